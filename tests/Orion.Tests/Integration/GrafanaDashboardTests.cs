using System.Text.Json;
using System.Text.RegularExpressions;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>The Grafana dashboard in docs/grafana asks only for series a live silo's /metrics serves, by labels they carry.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed partial class GrafanaDashboardTests(LiveSilo live)
{
    [Fact]
    public async Task Every_query_of_the_dashboard_names_metrics_and_labels_the_silo_serves()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ChildProcess.RepositoryRoot(), "docs", "grafana", "orion-pool.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
            .ToList();
        Assert.True(queries.Count >= 10, $"{queries.Count} queries");

        // A placement, so the placement counter and histogram have samples; a deployment, so its gauges have one; a
        // tenant with a monthly budget, so the budget gauges have one.
        await live.Client.SetQuotaAsync("grafana", new TenantQuota(GpuHoursPerMonth: 1000));
        var task = await live.Client.SubmitAsync(Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: "grafana", name: "grafana"));
        var deployment = "grafana-" + Guid.NewGuid().ToString("N")[..6];
        await live.Client.DeployAsync(deployment, Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: "grafana", name: "grafana"), 1);

        // A maintenance window far ahead on the node whose card is broken, so the maintenance gauge has a sample.
        var window = new MaintenanceWindow(DateTimeOffset.UtcNow.AddDays(300), TimeSpan.FromHours(1), "grafana check");
        await live.Client.ScheduleMaintenanceAsync("dc1/node-3", window);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await live.Client.WaitForStateAsync(task.TaskId, [TaskState.Running], timeout.Token);
            await ObservabilityTests.Eventually(async () =>
            {
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                foreach (var (panel, expr) in queries)
                {
                    // Metrics are the names outside "by (...)", whose names are labels.
                    var metrics = Metric().Matches(By().Replace(expr, "")).Select(m => m.Value).Distinct().ToList();
                    Assert.True(metrics.Count > 0, $"{panel}: {expr} names no orion metric");
                    foreach (var metric in metrics)
                    {
                        var series = samples.Where(s => s.Name == metric).ToList();
                        Assert.True(series.Count > 0, $"{panel}: {metric} is not in the scrape");
                        foreach (var label in By().Matches(expr).SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries)).Where(l => l != "le"))
                        {
                            Assert.True(series.All(s => s.Labels.ContainsKey(label)), $"{panel}: {metric} has no label {label}");
                        }
                    }
                }
            });
        }
        finally
        {
            await live.Client.CancelAsync(task.TaskId);
            await live.Client.DeleteDeploymentAsync(deployment);
            await live.Client.SetQuotaAsync("grafana", null);
            await live.Client.CancelMaintenanceAsync("dc1/node-3", window.Start);
        }
    }

    [GeneratedRegex(@"\borion_[a-z_]+\b")]
    private static partial Regex Metric();

    [GeneratedRegex(@"by \(([^)]*)\)")]
    private static partial Regex By();
}
