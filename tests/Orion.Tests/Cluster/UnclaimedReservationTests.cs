using Orion.Contracts;
using Orion.Grains;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A reservation no task claims (its placement never reached the task, or the submit died before the task was written)
/// is let go by its node once it has waited longer than the placing timeout; what tasks hold stays.
/// </summary>
public sealed class UnclaimedReservationTests
{
    private static readonly TimeSpan PlacingTimeout = new PoolOptions().PlacingTimeout;

    [Fact]
    public async Task A_reservation_no_task_claims_is_let_go_after_the_placing_timeout_and_the_tasks_own_stay()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000), "running");
        var placement = (await pool.WaitForAsync("running", TaskState.Running)).Placement!;
        var (other, otherCard) = placement.NodeId == "dc1/n0" ? ("dc1/n1", "dc1/n1/0") : ("dc1/n0", "dc1/n0/0");
        var node = pool.Grains.GetGrain<INodeGrain>(placement.NodeId);
        var card = placement.GpuIds[0];

        // A task never written, and a task that runs on another node than the one holding this reservation for it.
        Assert.True((await node.Reserve(new ReservationRequest("ghost", 1, [card], 300, 1024, false, 1000, 1024))).Accepted);
        Assert.True((await pool.Grains.GetGrain<INodeGrain>(other).Reserve(new ReservationRequest("running", 1, [otherCard], 300, 1024, false, 1000, 1024))).Accepted);
        pool.Advance(PlacingTimeout / 2);
        Assert.True((await node.Reserve(new ReservationRequest("late-ghost", 1, [card], 200, 1024, false, 1000, 1024))).Accepted);

        // The first two are past the timeout at the next heartbeat; the third is not yet.
        pool.Advance(PlacingTimeout / 2 + TimeSpan.FromSeconds(1));
        await pool.EventuallyAsync(async () =>
        {
            var slices = (await node.GetSnapshot())!.Gpus.SelectMany(g => g.Slices).Select(s => s.TaskId).Order().ToArray();
            Assert.Equal(["late-ghost", "running"], slices);
            Assert.Empty((await pool.Grains.GetGrain<INodeGrain>(other).GetSnapshot())!.Gpus.SelectMany(g => g.Slices));
        });

        pool.Advance(PlacingTimeout / 2);
        await pool.EventuallyAsync(async () =>
            Assert.Equal(["running"], (await node.GetSnapshot())!.Gpus.SelectMany(g => g.Slices).Select(s => s.TaskId).ToArray()));
        Assert.Equal(TaskState.Running, await pool.StateOf("running"));
        await pool.AssertConsistentAsync(["running"]);
    }
}
