using System.Net;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>The quick start's first command, for real: the silo process, its HTTP endpoints and the SDK over the gateway.</summary>
public sealed class SiloProcessTests
{
    [Fact]
    public async Task The_default_silo_serves_health_and_dashboard_and_runs_tasks_from_a_remote_client()
    {
        await using var silo = SiloProcess.Start("--nodes", "1", "--gpus-per-node", "2");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));

        var dashboard = await http.GetAsync(new Uri(silo.BaseAddress, "/dashboard/"));
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Orion is up", silo.Output);

        var options = new OrionClientOptions { GatewayPort = silo.GatewayPort, WatchPollInterval = TimeSpan.FromSeconds(1) };
        await using var client = await OrionClient.ConnectAsync(options);
        var two = await client.SubmitAsync(Specs.Training(2, steps: 2, gpuMsPerStep: 50));
        var three = await client.SubmitAsync(Specs.Training(2, steps: 1, gpuMsPerStep: 50));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var done = await client.WaitForStateAsync(two.TaskId, [TaskState.Completed], cts.Token);
        Assert.Equal(2, done.Placement!.GpuIds.Length);
        Assert.True(done.EndedAt - done.PlacedAt >= TimeSpan.FromMilliseconds(100), $"{done.PlacedAt:O} .. {done.EndedAt:O}");

        // The second 2-card job waited for the node's two cards, then ran on them.
        await client.WaitForStateAsync(three.TaskId, [TaskState.Completed], cts.Token);
        Assert.Equal(2, (await client.ListAsync(new TaskQuery(State: TaskState.Completed))).Count);

        var bad = await Assert.ThrowsAsync<SpecValidationException>(() =>
            client.SubmitAsync(Specs.Batch() with { Tenant = "" }));
        Assert.Equal("tenant", Assert.Single(bad.Errors).Field);
    }

    [Fact]
    public async Task The_default_silo_stops_on_SIGTERM_with_no_error_logged()
    {
        await using var silo = SiloProcess.Start("--nodes", "1", "--gpus-per-node", "1");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));

        // A live task gives the catalogue a checkpoint to write: on the way out, into storage that was stopping with the
        // silo, it had Orleans log the storage grain's failed placement as errors on every stop.
        var options = new OrionClientOptions { GatewayPort = silo.GatewayPort, WatchPollInterval = TimeSpan.FromSeconds(1) };
        await using (var client = await OrionClient.ConnectAsync(options))
        {
            var task = await client.SubmitAsync(Specs.Batch(items: 1, gpuMsPerItem: 1e9));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.WaitForStateAsync(task.TaskId, [TaskState.Running], cts.Token);
        }

        await using (var kill = ChildProcess.Run("kill", ["-s", "TERM", silo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.False(silo.Output.Contains("fail:", StringComparison.Ordinal), silo.Output);
        Assert.Equal(0, silo.ExitCode);
    }

    [Fact]
    public async Task A_silo_on_the_nvidia_backend_that_cannot_load_NVML_stops_with_the_reason()
    {
        await using var silo = SiloProcess.Start("--Orion:Embedded:Backend=nvidia", "--Orion:Embedded:NvmlLibrary=/nonexistent/libnvidia-ml.so.1");
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains("NVML (libnvidia-ml.so.1) could not be loaded to discover the cards; is the NVIDIA driver installed?", silo.Output);
        Assert.DoesNotContain("Orion is up", silo.Output);
    }

    [Fact]
    public async Task An_unknown_embedded_backend_stops_the_silo_with_the_setting_named()
    {
        await using var silo = SiloProcess.Start("--Orion:Embedded:Backend=cuda");
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains("Orion:Embedded:Backend must be simulated or nvidia, not 'cuda'", silo.Output);
    }

    [Fact]
    public async Task A_measured_demand_setting_out_of_range_stops_the_silo_with_the_setting_named()
    {
        await using var silo = SiloProcess.Start("--Orion:Embedded:DemandBusyPercent=0");
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains("Orion:Embedded:DemandBusyPercent must be above 0 and at most 100, not '0'", silo.Output);
        Assert.DoesNotContain("Orion is up", silo.Output);
    }

    [Fact]
    public async Task Bad_settings_stop_the_silo_with_exit_code_2_and_every_broken_rule_named()
    {
        await using var silo = SiloProcess.Start(
            "--policy", "bestfit", "--gpu-model", "A100", "--Orion:Pool:DaemonLease=00:00:00",
            "--Orion:Access:Required=true", "--Orion:Access:Tokens:0:Name=ci", "--Orion:Access:Tokens:0:Role=tenant", "--Orion:Access:Tokens:0:Sha256=abc");
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("orion-silo: Orion:Pool:Policy must be one of random, spread, dot-product, gpu-packing, best-fit, fragmentation", silo.Output);
        Assert.Contains("not 'bestfit'", silo.Output);
        Assert.Contains("orion-silo: Orion:Pool:DaemonLease must be positive, not '00:00:00'", silo.Output);
        Assert.Contains("orion-silo: Orion:Embedded:GpuModel must be a known card model (", silo.Output);
        Assert.Contains("orion-silo: Orion:Access:Tokens:0:Tenant is needed for a token of role tenant", silo.Output);
        Assert.Contains("orion-silo: Orion:Access:Tokens:0:Sha256 must be the token's SHA-256, 64 hex digits (orion token new prints it), not 'abc'", silo.Output);
        Assert.Contains("orion-silo: Orion:Access:Required needs at least one token of role admin", silo.Output);
        Assert.DoesNotContain("Orion is up", silo.Output);
        Assert.DoesNotContain("   at ", silo.Output);
    }

    [Theory]
    [InlineData(
        "orion-silo: Orion:Access:ClusterSecret must be set, the same on every silo, when the pool requires tokens and its silos cluster through Redis",
        "--Orion:Redis:ConnectionString=127.0.0.1:1", "--Orion:Access:Required=true", "--Orion:Access:Tokens:0:Name=ops", "--Orion:Access:Tokens:0:Role=admin",
        "--Orion:Access:Tokens:0:Sha256=73203526ccd2fab6b185f95bf80de89445ae2f4dc4ec585a55920390c6355680")]
    [InlineData(
        "orion-silo: Orion:Tls:Certificate must be a PKCS#12 file (with Orion:Tls:Password if it has one), or a PEM certificate with Orion:Tls:Key; '/nonexistent/silo.pfx' could not be read",
        "--Orion:Tls:Certificate=/nonexistent/silo.pfx")]
    [InlineData(
        "orion-silo: Orion:Tls:ClientTrust needs Orion:Tls:Certificate: clients present certificates only over TLS, which the silo speaks with a certificate of its own",
        "--Orion:Tls:ClientTrust=/etc/orion/clients.pem")]
    public async Task A_security_setting_that_cannot_work_stops_the_silo_before_it_reaches_anything(string failure, params string[] settings)
    {
        // Refused before Redis, or a port, is reached: no server is needed to see it.
        await using var silo = SiloProcess.Start(settings);
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains(failure, silo.Output);
        Assert.DoesNotContain("   at ", silo.Output);
    }
}
