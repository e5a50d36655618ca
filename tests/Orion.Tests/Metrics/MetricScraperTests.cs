using Orion.Contracts;
using Orion.NodeDaemon.Metrics;
using Orion.Tests.Integration;

namespace Orion.Tests.Metrics;

/// <summary>The daemon's reader of a replica's metric against real HTTP pages on the loopback.</summary>
public sealed class MetricScraperTests
{
    [Fact]
    public async Task Reads_the_sum_of_the_matching_samples_from_the_page_it_is_given()
    {
        await using var page = new MetricsPage(MetricsPage.Vllm(waiting: 7, succeeded: 40));
        using var scraper = new MetricScraper();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(MetricReading.Of(7), await scraper.ReadAsync(new ScaleMetric("vllm:num_requests_waiting", 5, page.Port), ct));
        Assert.Equal(MetricReading.Of(40), await scraper.ReadAsync(new ScaleMetric("rate(vllm:request_success_total{model_name=\"llama\"})", 5, page.Port, "/stats"), ct));
        Assert.Equal(["/metrics", "/stats"], page.Reads);

        page.Text = MetricsPage.Vllm(waiting: 0.5);
        Assert.Equal(MetricReading.Of(0.5), await scraper.ReadAsync(new ScaleMetric("vllm:num_requests_waiting", 5, page.Port), ct));
    }

    [Fact]
    public async Task A_page_that_fails_says_how()
    {
        await using var page = new MetricsPage();
        using var scraper = new MetricScraper();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(MetricReading.Failed($"GET :{page.Port}/metrics answered 404"), await scraper.ReadAsync(new ScaleMetric("x", 1, page.Port), ct));

        page.Text = MetricsPage.Vllm(waiting: 1);
        Assert.Equal(MetricReading.Failed($"GET :{page.Port}/metrics has no sample of tgi_queue_size"), await scraper.ReadAsync(new ScaleMetric("tgi_queue_size", 1, page.Port), ct));
        Assert.Equal(
            MetricReading.Failed($"GET :{page.Port}/metrics has no sample of vllm:num_requests_waiting with those labels"),
            await scraper.ReadAsync(new ScaleMetric("vllm:num_requests_waiting{model_name=\"mistral\"}", 1, page.Port), ct));

        page.Text = "q +Inf";
        Assert.Equal(MetricReading.Failed($"q is +Inf on GET :{page.Port}/metrics, no number to scale on"), await scraper.ReadAsync(new ScaleMetric("q", 1, page.Port), ct));

        var closed = LoopbackPort.Free();
        var refused = await scraper.ReadAsync(new ScaleMetric("x", 1, closed), ct);
        Assert.Null(refused.Value);
        Assert.StartsWith($"GET :{closed}/metrics: ", refused.Failure);
    }

    [Fact]
    public async Task A_page_that_never_answers_fails_at_the_timeout()
    {
        await using var page = new MetricsPage("x 1") { Delay = MetricScraper.Timeout + TimeSpan.FromSeconds(2) };
        using var scraper = new MetricScraper();
        var reading = await scraper.ReadAsync(new ScaleMetric("x", 1, page.Port), TestContext.Current.CancellationToken);
        Assert.Equal(MetricReading.Failed($"GET :{page.Port}/metrics gave no answer within 2s"), reading);
    }
}
