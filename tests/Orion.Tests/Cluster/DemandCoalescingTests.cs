using Orion.Client;
using Orion.Contracts;
using Orion.NodeDaemon.Simulated;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// Requests that reach a card together are decided together, and a service whose memory is on the device is not held
/// up by another's memory moves. One A100-80GB, compute and memory oversubscribed 2×, in fake time.
/// </summary>
public sealed class DemandCoalescingTests
{
    private const long GiB = 1024;

    [Fact]
    public async Task Two_services_waking_together_move_only_the_batchs_shortfall_and_the_resident_one_does_not_wait()
    {
        await using var scene = await Scene.StartAsync();
        var (pool, backend, card, a, c, batch) = scene;
        var cBefore = (await pool.Client.GetAsync(c.TaskId))!;

        // Both wake at the same moment. svc-a needs 10 GiB back; svc-c needs nothing, and its request goes ahead while
        // svc-a's waits for its memory (no simulated time passes for it).
        var requestA = a.BeginRequestAsync().AsTask();
        await pool.EventuallyAsync(async () => Assert.Contains(a.TaskId, (await card.GetSnapshot().WaitAsync(TimeSpan.FromSeconds(5)))!.Busy));
        var requestC = await c.BeginRequestAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.False(requestA.IsCompleted);

        // Decided together: both services' slices (60%) plus the batch's (50%) pass the card, so the batch pauses, and only
        // the batch's shortfall moves out (10 GiB) for svc-a's 10 GiB in; svc-c's memory does not move at all.
        var requestScopeA = await pool.WhileAdvancing(requestA, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.True(backend.IsPaused(batch.TaskId));
        Assert.Equal(15_360, backend.GetTask(a.TaskId)!.ResidentPages);
        Assert.Equal(10_240, backend.GetTask(c.TaskId)!.ResidentPages);
        Assert.Equal(5_120, backend.GetTask(batch.TaskId)!.HostPages);
        await pool.EventuallyAsync(async () =>
        {
            var cAfter = (await pool.Client.GetAsync(c.TaskId))!;
            Assert.Equal((cBefore.Swaps, cBefore.BytesMoved), (cAfter.Swaps, cAfter.BytesMoved));
            var b = (await pool.Client.GetAsync(batch.TaskId))!;
            Assert.Equal((1, 10 * GiB * 1024 * 1024), (b.Swaps, b.BytesMoved));
        });

        await scene.GoQuietAsync(requestC, requestScopeA);
    }

    [Fact]
    public async Task A_request_that_arrives_while_the_card_moves_memory_pauses_offline_work_at_once()
    {
        await using var scene = await Scene.StartAsync();
        var (pool, backend, card, a, c, batch) = scene;

        // svc-a wakes alone: the batch keeps running (30% + 50%), and svc-c gives up 10 GiB for svc-a's 10 GiB. The
        // card's memory pass starts and svc-c's pages are on the link (0.43 s of simulated time each way).
        var requestA = a.BeginRequestAsync().AsTask();
        await pool.EventuallyAsync(async () => Assert.Contains(a.TaskId, (await card.GetSnapshot().WaitAsync(TimeSpan.FromSeconds(5)))!.Busy));
        pool.Advance(TimeSpan.FromMilliseconds(1));
        await pool.EventuallyAsync(() =>
        {
            Assert.True(backend.GetTask(c.TaskId)!.TransitPages > 0);
            return Task.CompletedTask;
        });
        Assert.False(backend.IsPaused(batch.TaskId));

        // svc-c wakes while its pages are leaving: the batch must yield now (60% + 50% pass the card), without waiting
        // for the moves under way; svc-c's own request waits for its pages to come back.
        var requestC = c.BeginRequestAsync().AsTask();
        await pool.EventuallyAsync(() =>
        {
            Assert.True(backend.IsPaused(batch.TaskId));
            return Task.CompletedTask;
        });
        Assert.False(requestC.IsCompleted);

        var scopeA = await pool.WhileAdvancing(requestA, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        var scopeC = await pool.WhileAdvancing(requestC, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.Equal((15_360L, 10_240L), (backend.GetTask(a.TaskId)!.ResidentPages, backend.GetTask(c.TaskId)!.ResidentPages));
        Assert.True(backend.IsPaused(batch.TaskId));
        Assert.Equal(5_120, backend.GetTask(batch.TaskId)!.HostPages);

        await scene.GoQuietAsync(scopeA, scopeC);
    }

    /// <summary>
    /// The card both tests start from: a 40 GiB batch running beside two idle services, svc-a (30 GiB, 20 of them on the
    /// device) and svc-c (20 GiB, all on the device: it served a request since the batch started, so it is the warmer).
    /// </summary>
    private sealed record Scene(TestPool Pool, SimulatedGpuBackend Backend, IGpuGrain Card, VGpuLease A, VGpuLease C, VGpuTaskStatus Batch) : IAsyncDisposable
    {
        public static async Task<Scene> StartAsync()
        {
            var pool = await TestPool.StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0, memoryOversubscription: 2.0);
            var card = pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0");
            var options = new LeaseOptions { HoldTime = TimeSpan.FromSeconds(1) };
            var a = await pool.Client.AcquireAsync(Specs.Service(30, 30 * GiB, name: "svc-a", requestsPerSecond: 0), options);
            var c = await pool.Client.AcquireAsync(Specs.Service(30, 20 * GiB, name: "svc-c", requestsPerSecond: 0), options);
            var batch = await pool.SubmitAsync(Specs.Batch(50, 40 * GiB, items: 1_000_000, name: "batch"));
            await pool.WhileAdvancing(pool.WaitForAsync(batch.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));
            await (await pool.WhileAdvancing(c.BeginRequestAsync().AsTask(), TimeSpan.FromSeconds(10))).DisposeAsync();
            pool.Advance(TimeSpan.FromSeconds(2));
            await pool.EventuallyAsync(async () =>
            {
                var s = (await card.GetSnapshot())!;
                Assert.Empty(s.Busy);
                Assert.Equal(10 * GiB, s.HostMiBOf(s.Slices.Single(x => x.TaskId == a.TaskId)));
                Assert.Equal(0, s.HostMiBOf(s.Slices.Single(x => x.TaskId == c.TaskId)));
            });
            return new Scene(pool, pool.Backend("n0"), card, a, c, batch);
        }

        /// <summary>Both services go quiet: the batch takes its memory back from the colder service and runs again.</summary>
        public async Task GoQuietAsync(params RequestScope[] requests)
        {
            foreach (var r in requests)
            {
                await r.DisposeAsync();
            }

            await Pool.WhileAdvancing(Pool.WaitForAsync(Batch.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));
            await Pool.EventuallyAsync(async () =>
            {
                Pool.Advance(TimeSpan.FromMilliseconds(100));
                var s = (await Card.GetSnapshot())!;
                Assert.Equal(0, s.HostMiBOf(s.Slices.Single(x => x.TaskId == Batch.TaskId)));
            });
            Assert.False(Backend.IsPaused(Batch.TaskId));
            await Pool.AssertConsistentAsync([A.TaskId, C.TaskId, Batch.TaskId]);
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await C.DisposeAsync();
            await Pool.DisposeAsync();
        }
    }
}
