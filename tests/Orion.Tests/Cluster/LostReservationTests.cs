using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A reservation its node lost between placement and start (the node's silo died) is no failed run.</summary>
public sealed class LostReservationTests
{
    [Fact]
    public async Task A_task_whose_node_lost_its_reservation_before_it_started_is_placed_again_counting_no_restart()
    {
        var gate = new GrainCallGate();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], gate: gate);

        // Placed, and its go-ahead to start held on its way.
        var held = gate.Close("IVGpuTaskGrain.OnPlaced");
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1, gpuMsPerItem: 1e9) with { Restart = RestartPolicy.OnFailure(3) }, "lost");
        await held;

        // The node forgets its reservation, as a fresh activation after its silo died does, and its daemon registers it again.
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        await node.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            Assert.NotNull(await node.GetSnapshot());
        });
        Assert.Empty(await node.ListTasks());

        gate.Open("IVGpuTaskGrain.OnPlaced");
        VGpuTaskStatus? again = null;
        await pool.EventuallyAsync(async () =>
        {
            again = (await pool.Client.GetAsync("lost"))!;
            Assert.Equal((TaskState.Running, 2L), (again.State, again.Generation));
        });
        Assert.Equal(0, again!.Restarts);
        Assert.Equal("its placement on dc1/n0 was lost before it started", again.ExitReason);
        await pool.AssertConsistentAsync(["lost"]);
    }
}
