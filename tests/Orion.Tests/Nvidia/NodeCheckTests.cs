using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;
using Orion.NodeDaemon.Simulated;
using Orion.Tests.Integration;

namespace Orion.Tests.Nvidia;

/// <summary><c>orion-daemon check</c>: a node's self-check against its backend, on real time and real processes.</summary>
public sealed class NodeCheckTests
{
    [Fact]
    public async Task Simulated_cards_pass_every_check_and_move_memory()
    {
        using var backend = new SimulatedGpuBackend("dc1/n0", [GpuModelCatalog.Get("A100-80GB")], TimeProvider.System, hostSwapMiB: 4096);
        var output = new StringWriter();
        Assert.True(await new NodeCheck(backend, output).RunAsync(WorkloadSpec.Batch(1, 20), WorkloadSpec.Service(10, 5), WorkloadSpec.Training(1_000_000, 10, 1024)));

        var report = output.ToString();
        Assert.Contains("backend simulated, 1 card(s), slices enforced by: model", report);
        Assert.Contains("ok   health: no card reported broken", report);
        Assert.Contains("ok   dc1/n0/0: a short task ran and exited by itself (completed", report);
        Assert.Contains("ok   dc1/n0/0: it pauses", report);
        Assert.Contains("ok   dc1/n0/0: the GPU program holds memory on the card (1024 MiB more in use)", report);
        Assert.Contains("ok   dc1/n0/0: the GPU program's compute is measured", report);
        Assert.Contains("ok   dc1/n0/0: memory moved to host (1024 MiB", report);
        Assert.Contains("ok   dc1/n0/0: the card freed it (1024 MiB in use before, 0 MiB after)", report);
        Assert.Contains("ok   dc1/n0/0: the GPU program runs on after the moves", report);
        Assert.Contains("ok   dc1/n0/0: memory back on the card (1024 MiB", report);
        Assert.EndsWith("all checks passed" + Environment.NewLine, report);
        Assert.Empty(backend.Running);
    }

    [Fact]
    public async Task A_broken_card_fails_the_check_naming_what_broke_and_the_others_are_checked()
    {
        using var backend = new SimulatedGpuBackend("dc1/n0", [GpuModelCatalog.Get("A100-80GB"), GpuModelCatalog.Get("A100-80GB")], TimeProvider.System, hostSwapMiB: 4096);
        backend.Fail(0, "Xid 79: fell off the bus");
        var output = new StringWriter();
        Assert.False(await new NodeCheck(backend, output).RunAsync(WorkloadSpec.Batch(1, 20), WorkloadSpec.Service(10, 5), WorkloadSpec.Training(1_000_000, 10, 1024)));

        var report = output.ToString();
        Assert.Contains("FAIL dc1/n0/0: broken: Xid 79: fell off the bus", report);
        Assert.DoesNotContain("dc1/n0/0: a short task", report);
        Assert.Contains("ok   dc1/n0/1: a short task ran and exited by itself", report);
        Assert.Contains("ok   dc1/n0/1: memory back on the card", report);
        Assert.EndsWith("some checks failed" + Environment.NewLine, report);
    }

    [Fact]
    public async Task Declared_NVIDIA_cards_run_pause_and_stop_real_processes_and_say_what_they_cannot_measure()
    {
        using var backend = new NvidiaGpuBackend(NvidiaBackendContractTests.Cards) { StopGrace = TimeSpan.FromSeconds(2), MpsPipeDirectory = NvidiaBackendContractTests.NoMps() };
        var output = new StringWriter();
        var passed = await new NodeCheck(backend, output).RunAsync(WorkloadSpec.Process("sleep 0.1"), WorkloadSpec.Process("sleep 600"));
        Assert.True(passed, output.ToString());

        var report = output.ToString();
        Assert.Contains("note usage not measured: NVML", report);
        Assert.Contains("note health not read: NVML", report);
        Assert.Contains("ok   dc1/contract/1: it pauses (all ", report);
        Assert.Contains("process(es) of its group stopped)", report);
        Assert.Contains("ok   dc1/contract/1: it resumes (all ", report);
        Assert.Contains("all checks passed", report);
        Assert.Empty(backend.Running);
    }

    [Fact]
    public async Task A_pause_that_does_not_stop_the_processes_fails_the_check()
    {
        using var inner = new NvidiaGpuBackend(NvidiaBackendContractTests.Cards) { StopGrace = TimeSpan.FromSeconds(2), MpsPipeDirectory = NvidiaBackendContractTests.NoMps() };
        var output = new StringWriter();

        // The books say paused; the processes were never stopped (a signal lost on the way).
        var passed = await new NodeCheck(new BooksOnlyPauses(inner), output).RunAsync(WorkloadSpec.Process("sleep 0.1"), WorkloadSpec.Process("sleep 600"));
        Assert.False(passed, output.ToString());

        var report = output.ToString();
        Assert.Contains("FAIL dc1/contract/0: it pauses (process(es) ", report);
        Assert.Contains(": not stopped)", report);
        Assert.Contains("some checks failed", report);
        Assert.Empty(inner.Running);
    }

    [Fact]
    public async Task A_task_that_fails_fails_the_check_and_says_why()
    {
        using var backend = new NvidiaGpuBackend(NvidiaBackendContractTests.Cards) { StopGrace = TimeSpan.FromSeconds(2), MpsPipeDirectory = NvidiaBackendContractTests.NoMps() };
        var output = new StringWriter();
        Assert.False(await new NodeCheck(backend, output).RunAsync(WorkloadSpec.Process("exit 7"), WorkloadSpec.Process("sleep 600")));
        Assert.Contains("FAIL dc1/contract/0: a short task ran and exited by itself (exited with code 7", output.ToString());
        Assert.Contains("some checks failed", output.ToString());
    }

    [Fact]
    public async Task The_check_command_without_NVML_stops_with_the_reason()
    {
        await using var check = DaemonProcess.Start("check", "--backend", "nvidia", "--nvml-library", "/nonexistent/libnvidia-ml.so.1");
        await check.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, check.ExitCode);
        Assert.Contains("orion-daemon check: --backend nvidia: NVML (libnvidia-ml.so.1) could not be loaded", check.Output);
    }

    /// <summary>The NVIDIA backend with pauses that reach only the books: held and reported paused, never signalled.</summary>
    private sealed class BooksOnlyPauses(NvidiaGpuBackend inner) : DelegatingGpuBackend(inner)
    {
        private readonly HashSet<string> held = new(StringComparer.Ordinal);

        public override bool Pause(string taskId, long generation, string hold) => Running.ContainsKey(taskId) && (held.Add(taskId) || true);

        public override bool Resume(string taskId, long generation, string hold) => Running.ContainsKey(taskId) && (held.Remove(taskId) || true);

        public override bool IsPaused(string taskId) => held.Contains(taskId);

        // The test owns the NVIDIA backend and disposes it.
        public override void Dispose()
        {
        }
    }
}
