using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Node, card and scheduler grains that activated on another data centre's silo move to their own when it joins.</summary>
public sealed class DataCenterMoveTests
{
    private static TaskSpec InWest(string name) =>
        Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 3_600_000, name: name) with
        {
            Constraints = PlacementConstraints.None with { DataCenter = "west" },
        };

    [Fact]
    public async Task A_scheduler_moving_home_activates_there_while_its_node_waits_on_a_card()
    {
        // The grains move only when the test says so.
        var gate = new GrainCallGate();
        await using var pool = await StartAsync([Node("w0", gpus: 1, dc: "west")], gate: gate, siloDataCenter: "east", residenceCheck: TimeSpan.FromHours(1));
        var first = await pool.SubmitAsync(InWest("first"));
        await pool.WaitForAsync(first.TaskId, TaskState.Running);
        var west = await pool.StartSiloAsync("west");

        // The node's heartbeat waits on its card, as when the card moves to west's silo in the batch behind the scheduler
        // (the silo taking them in waits for each batch to activate).
        var held = gate.Close("IGpuGrain.Attach");
        pool.Advance(TimeSpan.FromMilliseconds(500));
        await held.WaitAsync(TimeSpan.FromSeconds(10));

        // The scheduler's activation there must not wait on the node: before, it asked the node for its snapshot and
        // the move waited for the node's heartbeat, which waited for the card (30 s each, then the daemon's lease was missed).
        var scheduler = pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("west"));
        await pool.Cluster.MigrateAsync(scheduler, west).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(west.ToString(), (await scheduler.GetSnapshot().WaitAsync(TimeSpan.FromSeconds(5))).Silo);

        // Once the card answers, the moved scheduler has rebuilt its index and places as before; the running task kept its slice.
        gate.Open("IGpuGrain.Attach");
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await scheduler.GetSnapshot()).Nodes));
        var second = await pool.SubmitAsync(InWest("second"));
        Assert.Equal("west/w0", (await pool.WaitForAsync(second.TaskId, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync([first.TaskId, second.TaskId]);
        Assert.Equal(TaskState.Running, await pool.StateOf(first.TaskId));
    }
}
