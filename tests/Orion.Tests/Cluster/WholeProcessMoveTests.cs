using Microsoft.Extensions.Logging.Abstractions;
using Orion.Client;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Cluster;

/// <summary>A node whose backend moves whole processes to host (NVIDIA's checkpoint) for a card that asked for part.</summary>
public sealed class WholeProcessMoveTests
{
    [Fact]
    public async Task A_card_books_all_of_a_task_on_host_when_its_backend_moved_more_than_the_shortfall()
    {
        await using var pool = await TestPool.StartAsync([], oversubscription: 2.0, memoryOversubscription: 2.0);
        var options = new NodeDaemonOptions { NodeName = "whole", DataCenter = "dc1", HostSwapMiB = 262_144 };
        var simulated = new SimulatedGpuBackend(options.NodeId, [GpuModelCatalog.Get("A100-80GB")], pool.Clock, options.HostSwapMiB);
        await using var daemon = new GpuNodeDaemon(options, new WholeProcessMoves(simulated), pool.Grains, NullLogger<GpuNodeDaemon>.Instance, pool.Clock);
        await daemon.StartAsync(CancellationToken.None);
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot()).Nodes));

        // An idle service holds 40 GiB; training needs 70,000 MiB of the 80 GiB card, so the card asks the service to keep
        // 11,920 MiB and move 29,040 MiB out. The backend moves all 40,960.
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(30, 40_960, name: "chat", requestsPerSecond: 0));
        var train = await pool.SubmitAsync(new TaskSpec("night-train", "research", new TaskPriority(PriorityClass.Training),
            ResourceRequest.Slice(100, 70_000, 4000, 8192), PlacementConstraints.None, WorkloadSpec.Training(1, 3_600_000, 70_000)));
        await pool.WhileAdvancing(pool.WaitForAsync(train.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));

        await pool.EventuallyAsync(async () =>
        {
            var service = (await pool.Client.GetAsync(lease.TaskId))!;
            Assert.Equal((0L, 40_960L), (service.ResidentMiB, service.HostMiB));
            Assert.Equal(40_960 / SimulatedGpuBackend.PageSizeMiB, simulated.GetTask(lease.TaskId)!.HostPages);

            // The card counts what moved: all of the service on host, and the room it left free.
            var card = (await pool.Grains.GetGrain<IGpuGrain>("dc1/whole/0").GetSnapshot())!;
            Assert.Equal((70_000L, 40_960L), (card.ResidentMiB, card.HostMiB));
            Assert.Equal(card.MemoryAllocatedMiB, card.ResidentMiB + card.HostMiB);
        });
        await pool.AssertConsistentAsync([lease.TaskId, train.TaskId]);
    }
}
