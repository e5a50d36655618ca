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
    private static async Task<(TestPool Pool, GpuNodeDaemon Daemon, SimulatedGpuBackend Backend, GrainCallFaults Faults)> StartWithDaemonAsync(
        int gpus = 1, GrainCallCounter? calls = null)
    {
        var faults = new GrainCallFaults();
        var pool = await StartAsync([], oversubscription: 2.0, faults: faults, calls: calls);
        var (daemon, backend) = await pool.StartOwnDaemonAsync("remote", gpus);
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
    public async Task A_start_its_daemon_never_answers_is_unknown_not_failed_and_is_placed_again_after_the_placing_timeout()
    {
        var calls = new GrainCallCounter();
        var (pool, daemon, backend, faults) = await StartWithDaemonAsync(gpus: 2, calls: calls);
        await using var _ = pool;
        await using var __ = daemon;
        faults.LoseNext("INodeDaemon.Start", GrainCallFaults.AnyGrain);

        // A task of two cards: its node sends the start, which is never answered (5 s). The task then asks its node
        // whether it still holds the reservation (it does) and, its status read waiting behind that turn, stays Placing:
        // the daemon might have started it. No run failed, nothing was given back.
        await pool.SubmitAsync(Specs.Training(gpus: 2, steps: 1_000_000), "train");
        await pool.EventuallyAsync(() =>
        {
            Assert.True(calls["INodeGrain.ListTasks"] > 0);
            return Task.CompletedTask;
        });
        var unknown = (await pool.Client.GetAsync("train"))!;
        Assert.Equal(TaskState.Placing, unknown.State);
        Assert.Equal(1L, unknown.Generation);
        Assert.Equal(0, unknown.Restarts);
        Assert.Null(unknown.ExitReason);
        Assert.False(backend.Running.ContainsKey("train"));
        Assert.Equal(2, (await pool.Grains.GetGrain<INodeGrain>(daemon.NodeId).GetSnapshot())!.Gpus.Count(g => g.Slices.Any(s => s.TaskId == "train")));

        // Past the placing timeout it is placed again under a new generation, and that start is answered.
        pool.Advance(new Orion.Grains.PoolOptions().PlacingTimeout + TimeSpan.FromSeconds(1));
        var running = await pool.WaitForAsync("train", TaskState.Running);
        Assert.Equal(2L, running.Generation);
        Assert.Equal(0, running.Restarts);
        Assert.Equal(2L, backend.Running["train"]);
        await pool.AssertConsistentAsync(["train"]);
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
