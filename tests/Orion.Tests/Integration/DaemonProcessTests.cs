using System.Collections.Immutable;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>The node daemon as its own process: it registers its cards with a silo that has none of its own, and runs the pool's tasks.</summary>
public sealed class DaemonProcessTests
{
    [Fact]
    public async Task A_daemon_process_registers_its_cards_and_runs_tasks_placed_on_them()
    {
        await using var silo = SiloProcess.Start("--Orion:Embedded:Enabled=false");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var daemon = DaemonProcess.Start(
            "--gateway", $"127.0.0.1:{silo.GatewayPort}", "--node", "gpu-7", "--dc", "dc2", "--gpus", "1xA100-80GB,1xT4-16GB", "--cpu-milli", "16000",
            "--label", "fabric=nvlink", "--label", "rack=r7", "--taint", "dedicated=inference");
        await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
        for (var i = 0; i < 100 && !daemon.Output.Contains("Daemon dc2/gpu-7 registered 2 simulated cards", StringComparison.Ordinal); i++)
        {
            // The registration is done (the silo is healthy); its log line follows it out of the process.
            await Task.Delay(100);
        }

        Assert.Contains("Daemon dc2/gpu-7 registered 2 simulated cards", daemon.Output);

        var options = new OrionClientOptions { GatewayPort = silo.GatewayPort, WatchPollInterval = TimeSpan.FromSeconds(1) };
        await using var client = await OrionClient.ConnectAsync(options);
        var nodes = (await client.GetPoolAsync()).Nodes;
        Assert.Equal(new Dictionary<string, string> { ["fabric"] = "nvlink", ["rack"] = "r7" }, Assert.Single(nodes).Labels!);
        Assert.Equal(new Dictionary<string, string> { ["dedicated"] = "inference" }, Assert.Single(nodes).Taints!);

        // A task that does not tolerate its taint fails at once rather than run there.
        var refused = await client.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 4096, items: 2, gpuMsPerItem: 50)
            with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } });
        Assert.Equal(TaskState.Failed, refused.State);

        // A node selector its labels match, and its taint tolerated: placed there.
        var task = await client.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 4096, items: 2, gpuMsPerItem: 50, models: ["T4-16GB"])
            with
            {
                Constraints = PlacementConstraints.Models("T4-16GB") with
                {
                    NodeSelector = ImmutableDictionary<string, string>.Empty.Add("rack", "r7"), Tolerations = ["dedicated=inference"],
                },
            });
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var done = await client.WaitForStateAsync(task.TaskId, [TaskState.Completed], patience.Token);
        Assert.Equal(["dc2/gpu-7/1"], done.Placement!.GpuIds.ToArray());

        // 100 GPU-ms at half of a T4 (a fifth of the reference card) take a second of the daemon's real time.
        Assert.True(done.EndedAt - done.PlacedAt >= TimeSpan.FromSeconds(1), $"{done.PlacedAt:O} .. {done.EndedAt:O}");
    }

    [Fact]
    public async Task Bad_daemon_options_fail_with_the_option_named()
    {
        await using var daemon = DaemonProcess.Start("--gpus", "4xNoSuchCard", "--gateway", "127.0.0.1:1");
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, daemon.ExitCode);
        Assert.Contains("GPU model 'NoSuchCard' is unknown", daemon.Output);
    }

    [Fact]
    public async Task An_nvidia_daemon_that_cannot_load_NVML_says_so_before_joining()
    {
        await using var daemon = DaemonProcess.Start("--backend", "nvidia", "--nvml-library", "/nonexistent/libnvidia-ml.so.1", "--gateway", "127.0.0.1:1");
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, daemon.ExitCode);
        Assert.Contains("--backend nvidia: NVML (libnvidia-ml.so.1) could not be loaded to discover the cards; is the NVIDIA driver installed?", daemon.Output);
        Assert.Contains("/nonexistent/libnvidia-ml.so.1", daemon.Output);
    }

    [Fact]
    public async Task An_unknown_backend_is_refused_with_the_choices()
    {
        await using var daemon = DaemonProcess.Start("--backend", "cuda", "--gateway", "127.0.0.1:1");
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, daemon.ExitCode);
        Assert.Contains("'cuda'", daemon.Output);
        Assert.Contains("'simulated'", daemon.Output);
        Assert.Contains("'nvidia'", daemon.Output);
    }

    [Theory]
    [InlineData("--demand-busy-percent", "0", "--demand-busy-percent must be above 0 and at most 100")]
    [InlineData("--demand-busy-percent", "101", "--demand-busy-percent must be above 0 and at most 100")]
    [InlineData("--demand-hold-seconds", "-1", "--demand-hold-seconds must be a number of seconds, 0 or more")]
    [InlineData("--register-every-seconds", "-1", "--register-every-seconds must be a number of seconds above 0 and at most 86400 (a day)")]
    [InlineData("--register-every-seconds", "0", "--register-every-seconds must be a number of seconds above 0 and at most 86400 (a day)")]
    [InlineData("--register-every-seconds", "NaN", "--register-every-seconds must be a number of seconds above 0 and at most 86400 (a day)")]
    [InlineData("--cpu-milli", "-1", "--cpu-milli must not be negative")]
    [InlineData("--memory-mib", "-1", "--memory-mib must not be negative")]
    [InlineData("--host-swap-mib", "-1", "--host-swap-mib must not be negative")]
    [InlineData("--node", " ", "--node must be a name, not blank and without '/'")]
    [InlineData("--node", "rack/7", "--node must be a name, not blank and without '/'")]
    [InlineData("--dc", "", "--dc must be 1 to 63 characters of lower-case letters")]
    [InlineData("--dc", "eu/west", "--dc must be 1 to 63 characters of lower-case letters")]
    [InlineData("--dc", "EU-West", "--dc must be 1 to 63 characters of lower-case letters")]
    [InlineData("--label", "fabric", "--label: 'fabric' is not key=value")]
    [InlineData("--label", "-x=1", "--label: key '-x' must be 1 to 63 characters")]
    [InlineData("--label", "fabric=nv link", "--label: value 'nv link' of fabric must be 0 to 63 characters")]
    [InlineData("--taint", "dedicated", "--taint: 'dedicated' is not key=value")]
    public async Task Out_of_range_daemon_options_exit_2_with_the_option_and_rule(string option, string value, string error)
    {
        await using var daemon = DaemonProcess.Start(option, value, "--gateway", "127.0.0.1:1");
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(daemon.ExitCode == 2, daemon.Output);
        Assert.Contains("orion-daemon: " + error, daemon.Output);
    }

    [Theory]
    [InlineData("no-such-host.invalid:30000", "--gateway 'no-such-host.invalid:30000': cannot resolve host 'no-such-host.invalid'")]
    [InlineData("127.0.0.1", "--gateway '127.0.0.1' must be host:port")]
    public async Task A_gateway_that_is_not_a_reachable_host_and_port_exits_2_naming_it(string gateway, string error)
    {
        await using var daemon = DaemonProcess.Start("--gateway", gateway);
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(daemon.ExitCode == 2, daemon.Output);
        Assert.Contains("orion-daemon: " + error, daemon.Output);
    }

    [Fact]
    public async Task A_gateway_given_by_host_name_is_resolved()
    {
        // localhost:1 is 127.0.0.1:1, where nothing listens: the daemon must get as far as trying it.
        await using var daemon = DaemonProcess.Start("--gateway", "localhost:1");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!daemon.Output.Contains("Unable to connect to 127.0.0.1:1", StringComparison.Ordinal) && !daemon.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.DoesNotContain("--gateway", daemon.Output);
        Assert.Contains("Unable to connect to 127.0.0.1:1", daemon.Output);
    }
}
