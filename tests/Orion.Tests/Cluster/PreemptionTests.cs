using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class PreemptionTests
{
    [Fact]
    public async Task An_online_request_pauses_offline_work_before_it_returns_and_going_idle_resumes_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        var batch = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 20_000, items: 10, gpuMsPerItem: 100));
        var running = await pool.WaitForAsync(batch.TaskId, TaskState.Running);

        // The service uses no GPU time of its own here, so the batch's pace shows only the pauses.
        await using var lease = await pool.Client.AcquireAsync(
            Specs.Service(50, 10_000, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.FromMilliseconds(500) });
        Assert.Equal(running.Placement!.GpuIds.ToArray(), lease.Status.Placement!.GpuIds.ToArray());
        var backend = pool.Backend("n0");
        pool.Advance(TimeSpan.FromMilliseconds(200));

        var request = await lease.BeginRequestAsync();
        Assert.True(backend.IsPaused(batch.TaskId), "the batch must be paused before BeginRequestAsync returns");
        Assert.Equal(200, backend.GetTask(batch.TaskId)!.GpuMsDone, 6);
        Assert.Equal([batch.TaskId], (await pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0").GetSnapshot())!.Paused.ToArray());
        await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Suspended, await pool.StateOf(batch.TaskId)));

        // More requests while busy send nothing.
        for (var i = 0; i < 20; i++)
        {
            await using var more = await lease.BeginRequestAsync();
        }

        Assert.Equal(1, lease.TransitionsSent);
        pool.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(200, backend.GetTask(batch.TaskId)!.GpuMsDone, 6);

        var idle = new TaskCompletionSource();
        lease.WentIdle += () => idle.TrySetResult();
        await request.DisposeAsync();
        pool.Advance(TimeSpan.FromMilliseconds(499));
        Assert.True(lease.IsBusy);
        Assert.True(backend.IsPaused(batch.TaskId));
        pool.Advance(TimeSpan.FromMilliseconds(1));
        await idle.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.False(backend.IsPaused(batch.TaskId));
        Assert.Equal(2, lease.TransitionsSent);

        var resumed = await pool.WaitForAsync(batch.TaskId, TaskState.Running);
        Assert.Equal(1, resumed.SuspendCount);
        Assert.Equal(TimeSpan.FromMilliseconds(800), resumed.SuspendedFor);

        // 1000 GPU-ms at a whole card, plus the 800 ms it was paused.
        pool.Advance(TimeSpan.FromMilliseconds(799));
        Assert.Equal(TaskState.Running, await pool.StateOf(batch.TaskId));
        pool.Advance(TimeSpan.FromMilliseconds(1));
        var done = await pool.WaitForAsync(batch.TaskId, TaskState.Completed);
        Assert.Equal(TimeSpan.FromMilliseconds(1000) + resumed.SuspendedFor, done.EndedAt - done.StartedAt);
    }

    [Fact]
    public async Task Work_that_still_fits_beside_the_busy_service_keeps_running()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        await pool.SubmitAsync(Specs.Batch(computePercent: 30, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 100_000), "small");
        await pool.SubmitAsync(Specs.Batch(computePercent: 60, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 100_000), "large");
        await pool.WaitForAsync("small", TaskState.Running);
        await pool.WaitForAsync("large", TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0));

        await using (await lease.BeginRequestAsync())
        {
            Assert.True(pool.Backend("n0").IsPaused("large"));
            Assert.False(pool.Backend("n0").IsPaused("small"));
        }

        // Ending the lease frees its slice and resumes what it paused.
        await lease.DisposeAsync();
        await pool.EventuallyAsync(() => Task.Run(() => Assert.False(pool.Backend("n0").IsPaused("large"))));
        await pool.WaitForAsync("large", TaskState.Running);
        await pool.AssertConsistentAsync(["small", "large", lease.TaskId]);
    }

    [Fact]
    public async Task Stale_or_repeated_demand_changes_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 100_000), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0));
        await using var request = await lease.BeginRequestAsync();
        Assert.True(pool.Backend("n0").IsPaused("batch"));

        var grain = pool.Grains.GetGrain<IVGpuTaskGrain>(lease.TaskId);
        var late = await grain.SetDemand(false, 1);
        Assert.False(late.Applied);
        Assert.True(pool.Backend("n0").IsPaused("batch"));

        var card = pool.Grains.GetGrain<IGpuGrain>(lease.Status.Placement!.GpuIds[0]);
        Assert.False((await card.SetDemand(lease.TaskId, lease.Status.Generation + 1, false, 99)).Applied);
        Assert.False((await card.SetDemand(lease.TaskId, lease.Status.Generation, false, 1)).Applied);
        Assert.True(pool.Backend("n0").IsPaused("batch"));
        var again = await card.SetDemand(lease.TaskId, lease.Status.Generation, true, 100);
        Assert.True(again.Applied);
        Assert.Empty(again.Paused);
        Assert.True(pool.Backend("n0").IsPaused("batch"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Grains.GetGrain<IVGpuTaskGrain>("batch").SetDemand(true, 1));
        await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.AcquireAsync(Specs.Batch()));
    }
}
