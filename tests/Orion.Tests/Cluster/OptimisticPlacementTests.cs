using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class OptimisticPlacementTests
{
    [Fact]
    public async Task A_card_refuses_a_stale_choice_and_the_scheduler_refreshes_and_places_elsewhere()
    {
        // Best fit prefers the one-card node; its card is taken behind the scheduler's back, so the index is stale.
        await using var pool = await StartAsync([Node("small", gpus: 1), Node("big", gpus: 2)], policy: "best-fit");
        var intruder = await pool.Grains.GetGrain<INodeGrain>("dc1/small")
            .Reserve(new ReservationRequest("intruder", 1, ["dc1/small/0"], 1000, 0, false, 0, 0));
        Assert.True(intruder.Accepted);

        var task = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0));
        var running = await pool.WaitForAsync(task.TaskId, TaskState.Running);
        Assert.Equal("dc1/big", running.Placement!.NodeId);
        var scheduler = await pool.SchedulerSnapshot();
        Assert.Equal(1, scheduler.Refusals);
        Assert.Equal(1, scheduler.Placements);

        // Nothing was half-reserved by the refused attempt.
        var small = Assert.Single((await pool.NodeSnapshot("small")).Gpus);
        Assert.Equal(["intruder"], small.Slices.Select(s => s.TaskId).ToArray());
    }

    [Fact]
    public async Task A_multi_card_reservation_is_all_or_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        Assert.True((await node.Reserve(new ReservationRequest("one", 1, ["dc1/n0/1"], 500, 1024, false, 0, 0))).Accepted);

        var both = await node.Reserve(new ReservationRequest("pair", 1, ["dc1/n0/0", "dc1/n0/1"], 1000, 0, true, 0, 0));
        Assert.False(both.Accepted);
        Assert.Contains("not idle", both.Reason);
        Assert.Empty(both.Node.Gpus[0].Slices);
        Assert.Equal(["one"], both.Node.Gpus[1].Slices.Select(s => s.TaskId).ToArray());

        // The same reservation again is a no-op; an older generation is refused.
        Assert.True((await node.Reserve(new ReservationRequest("one", 1, ["dc1/n0/1"], 500, 1024, false, 0, 0))).Accepted);
        Assert.False((await node.Reserve(new ReservationRequest("one", 0, ["dc1/n0/1"], 500, 1024, false, 0, 0))).Accepted);
        Assert.Single((await pool.NodeSnapshot("n0")).Gpus[1].Slices);
    }
}
