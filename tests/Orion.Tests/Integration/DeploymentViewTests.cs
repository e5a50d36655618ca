using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>A deployment on the real silo process: <c>/api/deployments</c>, its gauges in <c>/metrics</c>, and its row on the pool page in Debian's Chromium.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class DeploymentViewTests(LiveSilo live)
{
    [Fact]
    public async Task A_deployment_is_in_the_api_the_metrics_and_on_the_page_and_one_short_of_replicas_is_marked()
    {
        var name = "view-" + Guid.NewGuid().ToString("N")[..6];
        var replica = Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 100_000_000, name: name, tenant: "views");
        var (playwright, browser, page) = await PoolPageBrowser.OpenAsync(live);
        using var _ = playwright;
        await using var __ = browser;
        try
        {
            await live.Client.DeployAsync(name, replica, 2, strategy: new DeploymentStrategy { DisruptionBudget = ReplicaCount.Share(50) });
            var row = page.Locator($"#deployments tr[data-deployment='{name}']");
            await Assertions.Expect(row.Locator(".ready")).ToHaveTextAsync("2/2", new() { Timeout = 30_000 });
            await Assertions.Expect(row.Locator(".status")).ToHaveTextAsync("ready");
            await Assertions.Expect(row).Not.ToHaveClassAsync("short");

            var listed = JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/deployments?tenant=views"))).RootElement;
            var mine = Assert.Single(listed.EnumerateArray(), d => d.GetProperty("name").GetString() == name);
            Assert.Equal(2, mine.GetProperty("ready").GetInt32());
            Assert.Equal("surge 1, unavailable 0; drains move 50% at a time", mine.GetProperty("strategy").GetString());
            Assert.Equal([$"{name}.1", $"{name}.2"], mine.GetProperty("tasks").EnumerateArray().Select(t => t.GetString()));
            var one = JsonDocument.Parse(await live.Http.GetStringAsync(live.Url($"/api/deployments/{name}"))).RootElement;
            Assert.Equal(1, one.GetProperty("revision").GetInt32());
            Assert.Equal("views", one.GetProperty("template").GetProperty("tenant").GetString());
            Assert.Equal("50%", one.GetProperty("strategy").GetProperty("disruptionBudget").GetString());
            Assert.Equal(1, one.GetProperty("strategy").GetProperty("maxSurge").GetInt32());
            Assert.Equal(HttpStatusCode.NotFound, (await live.Http.GetAsync(live.Url("/api/deployments/no-such-deployment"))).StatusCode);
            var bad = await live.Http.GetAsync(live.Url("/api/deployments/-bad"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains(DeploymentRules.NameRule, await bad.Content.ReadAsStringAsync());

            var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
            double Gauge(string metric) => Assert.Single(samples, s => s.Name == metric && s.Labels.GetValueOrDefault("orion_deployment") == name).Value;
            Assert.Equal(2, Gauge("orion_deployment_replicas"));
            Assert.Equal(2, Gauge("orion_deployment_ready"));

            // A replica cancelled by hand is replaced at the deployment's next look.
            await live.Client.CancelAsync($"{name}.1");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while ((await live.Client.GetDeploymentAsync(name, timeout.Token))! is var d && !(d.Ready == 2 && d.Tasks.Any(t => t.TaskId == $"{name}.3")))
            {
                await Task.Delay(200, timeout.Token);
            }

            await Assertions.Expect(row.Locator(".ready")).ToHaveTextAsync("2/2");

            // One whose replicas fit nowhere (a card model the pool lacks) is marked short, and says how many are not ready.
            await live.Client.DeployAsync(name + "-x", replica with { Constraints = PlacementConstraints.Models("H100-80GB") }, 1);
            var shortRow = page.Locator($"#deployments tr[data-deployment='{name}-x']");
            await Assertions.Expect(shortRow).ToHaveClassAsync("short", new() { Timeout = 30_000 });
            await Assertions.Expect(shortRow.Locator(".ready")).ToHaveTextAsync("0/1");
            await Assertions.Expect(shortRow.Locator(".status")).ToHaveTextAsync("1 not ready");

            // One that scales on a metric its replicas serve: the value per replica on the page, in the API and as a gauge.
            await using var metrics = new Metrics.MetricsPage(Metrics.MetricsPage.Vllm(waiting: 5));
            await live.Client.DeployAsync(name + "-m", replica, 1, new AutoscaleSpec(1, 3, Metric: new ScaleMetric("vllm:num_requests_waiting", 5, metrics.Port)));
            var metricRow = page.Locator($"#deployments tr[data-deployment='{name}-m']");
            await Assertions.Expect(metricRow.Locator(".autoscale")).ToHaveTextAsync(
                $"1–3 on vllm:num_requests_waiting at 5 per replica (GET :{metrics.Port}/metrics) (now 5 per replica)", new() { Timeout = 30_000 });
            var scaled = Assert.Single(
                JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/deployments?tenant=views"))).RootElement.EnumerateArray(),
                d => d.GetProperty("name").GetString() == name + "-m");
            Assert.Equal((5.0, "5 per replica"), (scaled.GetProperty("metricValue").GetDouble(), scaled.GetProperty("measured").GetString()));
            Assert.Equal(5, Assert.Single(
                PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics"))),
                s => s.Name == "orion_deployment_metric" && s.Labels.GetValueOrDefault("orion_deployment") == name + "-m").Value);
        }
        finally
        {
            await live.Client.DeleteDeploymentAsync(name);
            await live.Client.DeleteDeploymentAsync(name + "-x");
            await live.Client.DeleteDeploymentAsync(name + "-m");
        }

        await Assertions.Expect(page.Locator($"#deployments tr[data-deployment='{name}']")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
    }
}
