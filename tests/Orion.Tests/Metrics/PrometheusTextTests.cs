using Orion.Contracts;
using Orion.NodeDaemon.Metrics;

namespace Orion.Tests.Metrics;

public sealed class PrometheusTextTests
{
    private static MetricSelector Select(string query) => MetricSelector.Parse(query) ?? throw new ArgumentException(query);

    [Fact]
    public void Sums_the_samples_of_the_name_and_no_other_metric_that_shares_its_prefix()
    {
        var page = MetricsPage.Vllm(waiting: 7.5);
        Assert.Equal((7.5, 1), PrometheusText.Sum(page, Select("vllm:num_requests_waiting")));
        Assert.Equal((4.0, 1), PrometheusText.Sum(page, Select("vllm:num_requests_running")));
        Assert.Equal((0.0, 0), PrometheusText.Sum(page, Select("vllm:num_requests")));
    }

    [Fact]
    public void Label_matchers_pick_series_and_every_series_of_a_bare_name_is_summed()
    {
        const string page = """
            requests_total{code="200",path="/v1"} 10
            requests_total{code="500",path="/v1"} 2
            requests_total{path="/v2",code="200"} 5 1712345678000
            """;
        Assert.Equal((17.0, 3), PrometheusText.Sum(page, Select("requests_total")));
        Assert.Equal((15.0, 2), PrometheusText.Sum(page, Select("requests_total{code=\"200\"}")));
        Assert.Equal((10.0, 1), PrometheusText.Sum(page, Select("requests_total{code=\"200\", path=\"/v1\"}")));
        Assert.Equal((0.0, 0), PrometheusText.Sum(page, Select("requests_total{code=\"404\"}")));
    }

    [Fact]
    public void Reads_escapes_special_values_and_windows_line_ends_and_passes_over_broken_lines()
    {
        var page = "q{path=\"C:\\\\x\",say=\"a \\\"quoted\\\" word\\n\"} 3\r\n"
            + "q{} 1e1\r\n"
            + "q NaN\n"
            + "q{broken=\"x} 100\n"
            + "q 1 2 3\n"
            + "q words\n"
            + "  q -2.5\n";
        Assert.Equal((10.5, 3), PrometheusText.Sum(page, Select("q")));
        Assert.Equal((3.0, 1), PrometheusText.Sum(page, Select("q{say=\"a \\\"quoted\\\" word\\n\"}")));
        Assert.Equal((3.0, 1), PrometheusText.Sum(page, Select("q{path=\"C:\\\\x\"}")));
        Assert.Equal(double.PositiveInfinity, PrometheusText.Sum("q +Inf", Select("q")).Sum);
    }

    [Fact]
    public void One_sample_line_is_read_whole_or_not_at_all()
    {
        var sample = PrometheusText.Sample("tgi_queue_size{host=\"a\",} 12");
        Assert.NotNull(sample);
        Assert.Equal("tgi_queue_size", sample.Value.Name);
        Assert.Equal("a", sample.Value.Labels["host"]);
        Assert.Equal(12, sample.Value.Value);
        Assert.Null(PrometheusText.Sample("9lives 1"));
        Assert.Null(PrometheusText.Sample("x{a=b} 1"));
        Assert.Null(PrometheusText.Sample("x"));
    }
}
