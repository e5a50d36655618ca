using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary><c>orion quota</c>, as its own process, against the real silo process.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class CliQuotaTests(LiveSilo live)
{
    private const string Tenant = "cli-quota";

    [Fact]
    public async Task A_quota_set_with_the_cli_refuses_a_submit_over_it_in_one_line_and_clear_removes_it()
    {
        try
        {
            var set = await live.CliAsync("quota", Tenant, "--gpu-percent", "50", "--gpu-memory", "4GiB", "--tasks", "3");
            Assert.True(set.ExitCode == 0, set.ToString());
            Assert.Contains("0% of 50%", set.Out);

            var first = await live.CliAsync("submit", "-q", "--tenant", Tenant, "--compute", "40", "--memory", "1GiB", "--items", "1", "--ms-per-item", "100000000");
            Assert.True(first.ExitCode == 0, first.ToString());
            var over = await live.CliAsync("submit", "-q", "--tenant", Tenant, "--compute", "20", "--memory", "1GiB");
            Assert.True(over.ExitCode == 1, over.ToString());
            Assert.Equal($"orion: the task spec was rejected: tenant '{Tenant}' would pass its quota of gpuPercent 50: 40 in use + 20 asked", over.Error.Trim());

            var shown = await live.CliAsync("quota", Tenant, "--json");
            Assert.True(shown.ExitCode == 0, shown.ToString());
            using var json = System.Text.Json.JsonDocument.Parse(shown.Out);
            Assert.Equal((40.0, 1024L, 1), (json.RootElement.GetProperty("gpuPercent").GetDouble(), json.RootElement.GetProperty("gpuMemoryMiB").GetInt64(), json.RootElement.GetProperty("tasks").GetInt32()));

            // The same over HTTP, and the refusal counted for the tenant.
            var api = await live.Http.GetStringAsync(live.Url($"/api/tenants/{Tenant}"));
            using (var doc = System.Text.Json.JsonDocument.Parse(api))
            {
                Assert.Equal((40.0, 50.0), (doc.RootElement.GetProperty("gpuPercent").GetDouble(), doc.RootElement.GetProperty("quota").GetProperty("gpuPercent").GetDouble()));
            }

            await ObservabilityTests.Eventually(async () =>
            {
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                Assert.Equal(1, Assert.Single(samples, s => s.Name == "orion_quota_refusals_total" && s.Labels.GetValueOrDefault("orion_task_tenant") == Tenant).Value);
            });

            var bad = await live.CliAsync("quota", Tenant, "--gpu-percent", "-5");
            Assert.True(bad.ExitCode == 2, bad.ToString());
            Assert.StartsWith("orion: --gpu-percent must be 0 to", bad.Error.Trim());
            Assert.Equal(new TenantQuota(50, 4096, 3), (await live.Client.GetTenantAsync(Tenant)).Quota);

            var clear = await live.CliAsync("quota", Tenant, "--clear");
            Assert.True(clear.ExitCode == 0, clear.ToString());
            Assert.Contains("40% (no limit)", clear.Out);
            var now = await live.CliAsync("submit", "-q", "--tenant", Tenant, "--compute", "20", "--memory", "1GiB");
            Assert.True(now.ExitCode == 0, now.ToString());
        }
        finally
        {
            await live.Client.SetQuotaAsync(Tenant, null);
            foreach (var t in await live.Client.ListAsync(new TaskQuery(Tenant: Tenant)))
            {
                await live.Client.CancelAsync(t.TaskId);
            }
        }
    }
}
