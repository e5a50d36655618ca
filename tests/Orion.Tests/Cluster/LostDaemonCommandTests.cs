using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A command to a daemon lost on its way (its gateway silo died, or the daemon did) is given up after the command's own
/// 5 s timeout, not Orleans' 30 s, and the usual retry or reconciliation carries it out: meanwhile the grain that sent it
/// held every call to it, and the caller (a cancel, an online request) waited or failed.
/// </summary>
public sealed class LostDaemonCommandTests
{
    private static TaskSpec Offline(double computePercent) => Specs.Batch(computePercent: computePercent, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 3_600_000);

    /// <summary>A pool whose one node has a daemon of the test's own, so commands to it go through Orleans as to a remote one.</summary>
    private static async Task<(TestPool Pool, GpuNodeDaemon Daemon, SimulatedGpuBackend Backend, GrainCallFaults Faults)> StartWithDaemonAsync()
    {
        var faults = new GrainCallFaults();
        var pool = await StartAsync([], oversubscription: 2.0, faults: faults);
        var (daemon, backend) = await pool.StartOwnDaemonAsync("remote");
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.SchedulerSnapshot()).Nodes));
        return (pool, daemon, backend, faults);
    }

    /// <summary>Moves the pool's clock on in small steps until <paramref name="done"/> holds (the card's retries and heartbeats run on it).</summary>
    private static Task AdvancingUntil(TestPool pool, Func<Task<bool>> done) =>
        pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(250));
            Assert.True(await done());
        });

    [Fact]
    public async Task A_lost_start_holds_its_task_only_until_the_command_times_out()
    {
        var (pool, daemon, backend, faults) = await StartWithDaemonAsync();
        await using var _ = pool;
        await using var __ = daemon;
        faults.LoseNext("INodeDaemon.Start", GrainCallFaults.AnyGrain);

        await pool.SubmitAsync(Offline(50), "t");

        // The task's status answers (it waited 30 s on the start before), and the task runs.
        var running = await pool.WaitForAsync("t", TaskState.Running);
        Assert.Equal(0, faults.StillToLose("INodeDaemon.Start", GrainCallFaults.AnyGrain));
        Assert.Equal(1L, running.Generation);
        Assert.True(backend.Running.ContainsKey("t"));
    }

    [Fact]
    public async Task A_lost_pause_delays_an_online_request_by_the_command_timeout_and_is_sent_again()
    {
        var (pool, daemon, backend, faults) = await StartWithDaemonAsync();
        await using var _ = pool;
        await using var __ = daemon;
        await pool.SubmitAsync(Offline(60), "offline");
        await pool.WaitForAsync("offline", TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(60, 1024, requestsPerSecond: 0));
        faults.LoseNext("INodeDaemon.Pause", GrainCallFaults.AnyGrain);

        // The request begins (it failed after 30 s before); the card sends the pause again and the offline task stops.
        await using (await lease.BeginRequestAsync())
        {
            Assert.Equal(0, faults.StillToLose("INodeDaemon.Pause", GrainCallFaults.AnyGrain));
            await AdvancingUntil(pool, async () => backend.IsPaused("offline") && await pool.StateOf("offline") == TaskState.Suspended);
        }
    }

    [Fact]
    public async Task A_lost_stop_does_not_fail_the_cancel_and_the_next_heartbeat_stops_the_process()
    {
        var (pool, daemon, backend, faults) = await StartWithDaemonAsync();
        await using var _ = pool;
        await using var __ = daemon;
        await pool.SubmitAsync(Offline(60), "t");
        await pool.WaitForAsync("t", TaskState.Running);
        faults.LoseNext("INodeDaemon.Stop", GrainCallFaults.AnyGrain);

        // The cancel answers (it timed out after 30 s before) and frees the slice; the process is an orphan the node stops.
        var cancelled = await pool.Client.CancelAsync("t");
        Assert.Equal(TaskState.Cancelled, cancelled!.State);
        Assert.Equal(0, faults.StillToLose("INodeDaemon.Stop", GrainCallFaults.AnyGrain));
        await AdvancingUntil(pool, () => Task.FromResult(!backend.Running.ContainsKey("t")));
        Assert.All((await pool.Client.GetNodeAsync("dc1/remote"))!.Gpus, g => Assert.Empty(g.Slices));
    }
}
