using Microsoft.Extensions.DependencyInjection;
using Orion.Client;
using Orion.Contracts;
using Orion.Grains;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Pauses and resumes are written and published in batches, off the preemption path, and none is lost.</summary>
public sealed class SuspensionBookkeepingTests
{
    [Fact]
    public async Task Many_flips_reach_the_catalogue_with_every_pause_counted()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        var batch = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 20_000, items: 1, gpuMsPerItem: 1e9));
        await pool.WaitForAsync(batch.TaskId, TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 10_000, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.Zero });

        const int flips = 25;
        await Flip(pool, lease, flips);

        // The task grain knows at once; the catalogue (what List and the pool page read) a moment later.
        Assert.Equal(flips, (await pool.Client.GetAsync(batch.TaskId))!.SuspendCount);
        await pool.EventuallyAsync(async () =>
        {
            var listed = (await pool.Client.ListAsync()).Single(t => t.TaskId == batch.TaskId);
            Assert.Equal((TaskState.Running, flips), (listed.State, listed.SuspendCount));
        });

        // The feed gets one event per task and kind for a burst, with the count.
        await pool.EventuallyAsync(async () =>
        {
            var feed = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 500);
            var pauses = feed.Where(e => e.Kind == PoolEventKinds.Preemption && e.TaskId == batch.TaskId).ToList();
            Assert.NotEmpty(pauses);
            Assert.Equal(flips, pauses.Sum(e => CountIn(e.Detail)));
        });
    }

    [Fact]
    public async Task Flips_not_yet_written_are_written_when_the_task_grain_deactivates()
    {
        // A flush delay longer than the test: only deactivation can have written the flips.
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0, suspensionFlushDelay: TimeSpan.FromHours(1));
        var batch = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 20_000, items: 1, gpuMsPerItem: 1e9));
        await pool.WaitForAsync(batch.TaskId, TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 10_000, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.Zero });
        await Flip(pool, lease, 3);
        var listed = (await pool.Client.ListAsync()).Single(t => t.TaskId == batch.TaskId);
        Assert.Equal(0, listed.SuspendCount);

        await pool.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // Reactivated from storage: the count survived; the catalogue got it on the way out.
        await pool.EventuallyAsync(async () => Assert.Equal(3, (await pool.Client.GetAsync(batch.TaskId))!.SuspendCount));
        await pool.EventuallyAsync(async () => Assert.Equal(3, (await pool.Client.ListAsync()).Single(t => t.TaskId == batch.TaskId).SuspendCount));
    }

    [Fact]
    public async Task Commands_to_an_embedded_daemon_go_to_the_daemon_object()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var services = pool.Cluster.GetSiloServiceProvider(pool.Cluster.Silos[0].SiloAddress);
        var inProcess = services.GetRequiredService<InProcessDaemons>();
        var daemon = pool.Daemon("n0");
        Assert.Same(daemon, inProcess.Resolve(daemon.Reference));

        // A daemon of another process is reached through its reference.
        var remote = pool.Grains.CreateObjectReference<INodeDaemon>(new RemoteStandIn());
        Assert.Same(remote, inProcess.Resolve(remote));

        // A stopped daemon is no longer called directly.
        var reference = daemon.Reference;
        await daemon.DisposeAsync();
        Assert.Same(reference, inProcess.Resolve(reference));
    }

    private static async Task Flip(TestPool pool, VGpuLease lease, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var idle = new TaskCompletionSource();
            void OnIdle() => idle.TrySetResult();
            lease.WentIdle += OnIdle;
            var request = await lease.BeginRequestAsync();
            pool.Advance(TimeSpan.FromMilliseconds(10));
            await request.DisposeAsync();
            pool.Advance(TimeSpan.FromMilliseconds(1));
            await idle.Task.WaitAsync(TimeSpan.FromSeconds(15));
            lease.WentIdle -= OnIdle;
        }
    }

    private static int CountIn(string detail) =>
        detail.EndsWith(" times)", StringComparison.Ordinal) ? int.Parse(detail[(detail.LastIndexOf('(') + 1)..detail.IndexOf(' ', detail.LastIndexOf('('))]) : 1;

    private sealed class RemoteStandIn : INodeDaemon
    {
        public Task Start(TaskLaunch launch) => Task.CompletedTask;

        public Task<bool> Stop(string taskId, long generation) => Task.FromResult(false);

        public Task<bool> Pause(string taskId, long generation, string hold) => Task.FromResult(false);

        public Task<bool> Resume(string taskId, long generation, string hold) => Task.FromResult(false);

        public Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB) => throw new NotSupportedException();

        public Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB) => throw new NotSupportedException();

        public Task<TaskLogChunk?> ReadLog(string taskId, long generation, long offset, int maxBytes) => throw new NotSupportedException();

        public Task<MetricReading> ReadMetric(string taskId, long generation, ScaleMetric metric) => throw new NotSupportedException();
    }
}
