using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A node tells its scheduler of itself and of freed room in one-way pushes, and a dying silo can lose one: while tasks
/// queue, the scheduler re-reads its nodes and the pool's directory, so a lost push never leaves a task waiting for good.
/// </summary>
public sealed class SchedulerResyncTests
{
    // Grain timers run on real time: a short resync keeps the test short.
    private static readonly TimeSpan Resync = TimeSpan.FromMilliseconds(200);

    private static TaskSpec WholeCard() => Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 3_600_000);

    [Fact]
    public async Task A_node_whose_word_to_its_scheduler_was_lost_joins_the_view_at_the_next_resync_and_takes_the_waiting_task()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, indexResync: Resync);
        await pool.SubmitAsync(WholeCard(), "busy");
        await pool.WaitForAsync("busy", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard(), "waits")).State);

        // A new node registers; the one push telling the scheduler of it is lost. Later heartbeats change nothing, so the
        // node never tells it again: only the directory knows it.
        faults.LoseNext("ISchedulerGrain.OnNodeChanged", GrainKeys.Scheduler("dc1"));
        var (daemon, backend) = await pool.StartOwnDaemonAsync("n1");
        await using var _ = daemon;
        await pool.EventuallyAsync(async () =>
            Assert.Contains("dc1/n1", await pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetNodes()));
        Assert.Equal(0, faults.StillToLose("ISchedulerGrain.OnNodeChanged", GrainKeys.Scheduler("dc1")));

        var placed = await pool.WaitForAsync("waits", TaskState.Running);
        Assert.Equal("dc1/n1", placed.Placement!.NodeId);
        Assert.Equal(2, (await pool.SchedulerSnapshot()).Nodes);
        await pool.AssertConsistentAsync(["busy", "waits"]);
        Assert.Equal(["waits"], (await pool.Grains.GetGrain<INodeGrain>(daemon.NodeId).GetSnapshot())!.Gpus.Single().Slices.Select(s => s.TaskId).ToArray());
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(["waits"], backend.Running.Keys.ToArray());
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task Room_freed_while_its_push_was_lost_is_found_at_the_next_resync()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, indexResync: Resync);
        await pool.SubmitAsync(WholeCard(), "busy");
        await pool.WaitForAsync("busy", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard(), "waits")).State);

        // Every push that follows the cancel is lost, so the scheduler hears of the freed card only by reading the node.
        faults.LoseNext("ISchedulerGrain.OnNodeChanged", GrainKeys.Scheduler("dc1"), times: 1_000);
        await pool.Client.CancelAsync("busy");
        await pool.WaitForAsync("busy", TaskState.Cancelled);

        var placed = await pool.WaitForAsync("waits", TaskState.Running);
        Assert.Equal("dc1/n0", placed.Placement!.NodeId);
        Assert.True(faults.StillToLose("ISchedulerGrain.OnNodeChanged", GrainKeys.Scheduler("dc1")) < 1_000, "no push was lost: the test proves nothing");
        await pool.AssertConsistentAsync(["busy", "waits"]);
    }
}
