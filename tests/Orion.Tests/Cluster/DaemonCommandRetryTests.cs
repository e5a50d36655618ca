using Microsoft.Extensions.Logging.Abstractions;
using Orion.Client;
using Orion.Contracts;
using Orion.Grains;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Cluster;

/// <summary>
/// A card whose daemon fails a pause or a resume (an observer that timed out, say) does not take the command for done:
/// it looks again a moment later and sends it again, so offline work does not run on beside a busy service, nor stay
/// frozen after the service left.
/// </summary>
public sealed class DaemonCommandRetryTests
{
    [Fact]
    public async Task A_resume_that_failed_is_sent_again_and_the_task_runs()
    {
        var (pool, daemon, backend) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        var lease = await BatchAndService(pool, backend);

        // The service leaves; the card's resume of the batch fails once.
        backend.FailNext("resume");
        await LeaveAsync(lease);

        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(0, backend.StillToFail("resume"))));
        Assert.True(backend.IsPaused("batch"), "the failed resume left the daemon's pause in place");

        // A moment later the card sends the resume again.
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(200));
            Assert.False(backend.IsPaused("batch"));
            Assert.Empty((await pool.Grains.GetGrain<IGpuGrain>("dc1/flaky/0").GetSnapshot())!.Paused);
            Assert.Equal(TaskState.Running, await pool.StateOf("batch"));
        });
    }

    [Fact]
    public async Task A_pause_that_failed_is_sent_again_and_the_task_stops_while_the_service_is_busy()
    {
        var (pool, daemon, backend) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1_000_000), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.FromHours(1) });

        // The service turns busy; the card's pause of the batch fails once.
        backend.FailNext("pause");
        RequestScope? request = null;
        try
        {
            request = await lease.BeginRequestAsync();
        }
        catch (Exception)
        {
            // Without the retry the failure reaches the request; the service is still busy on the card.
        }

        Assert.Equal(0, backend.StillToFail("pause"));
        Assert.False(backend.IsPaused("batch"));

        // A moment later the card sends the pause again.
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(200));
            Assert.True(backend.IsPaused("batch"));
            Assert.Equal(["batch"], (await pool.Grains.GetGrain<IGpuGrain>("dc1/flaky/0").GetSnapshot())!.Paused.ToArray());
            Assert.Equal(TaskState.Suspended, await pool.StateOf("batch"));
        });

        if (request is not null)
        {
            await request.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(1000, 30)]
    public void Retries_of_a_daemon_that_keeps_failing_back_off_to_half_a_minute(int failedPasses, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), CommandRetry.After(failedPasses));

    [Fact]
    public async Task A_resume_that_keeps_failing_is_sent_again_later_each_time()
    {
        var (pool, daemon, backend) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        var lease = await BatchAndService(pool, backend);

        // Three resumes fail: the first at once, the retries after 1 s and then 2 s more; the fourth, 4 s later, goes through.
        backend.FailNext("resume", times: 3);
        await LeaveAsync(lease);

        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(2, backend.StillToFail("resume"))));
        var start = pool.Clock.GetUtcNow();
        await pool.EventuallyAsync(() =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(100));
            Assert.Equal(0, backend.StillToFail("resume"));
            return Task.CompletedTask;
        });
        Assert.InRange(pool.Clock.GetUtcNow() - start, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7) - TimeSpan.FromTicks(1));
        Assert.True(backend.IsPaused("batch"), "the third resume failed too");

        await pool.EventuallyAsync(() =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(100));
            Assert.False(backend.IsPaused("batch"));
            return Task.CompletedTask;
        });
        Assert.True(pool.Clock.GetUtcNow() - start >= TimeSpan.FromSeconds(7), $"resumed {pool.Clock.GetUtcNow() - start} after the first failure");
    }

    [Fact]
    public async Task A_memory_move_that_failed_is_made_again_and_the_request_waiting_for_it_goes_ahead()
    {
        var (pool, daemon, backend) = await StartAsync(memoryOversubscription: 2.0);
        await using var _ = pool;
        await using var __ = daemon;
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(30, 40_960, name: "chat", requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.FromSeconds(1) });
        await (await lease.BeginRequestAsync()).DisposeAsync();
        var idle = new TaskCompletionSource();
        lease.WentIdle += () => idle.TrySetResult();
        pool.Advance(TimeSpan.FromSeconds(1));
        await idle.Task.WaitAsync(TimeSpan.FromSeconds(15));

        // Training takes the card; part of the idle service's memory goes to host RAM.
        var train = await pool.SubmitAsync(new TaskSpec("night-train", "research", new TaskPriority(PriorityClass.Training),
            ResourceRequest.Slice(100, 70_000, 4000, 8192), PlacementConstraints.None, WorkloadSpec.Training(1, 3_600_000, 70_000)));
        await pool.WhileAdvancing(pool.WaitForAsync(train.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));
        Assert.True(backend.Inner.GetTask(lease.TaskId)!.HostPages > 0);

        // A request needs the service's memory back; the first move in fails. The request still goes ahead once the card
        // moves it again, and the training is paused meanwhile, not left half done.
        backend.FailNext("swapin");
        var request = await pool.WhileAdvancing(lease.BeginRequestAsync().AsTask(), TimeSpan.FromSeconds(10));
        Assert.Equal(0, backend.StillToFail("swapin"));
        Assert.Equal(0, backend.Inner.GetTask(lease.TaskId)!.HostPages);
        Assert.True(backend.IsPaused(train.TaskId));
        await request.DisposeAsync();
    }

    /// <summary>A batch running on the card, and a service whose one request paused it (now idle again).</summary>
    private static async Task<VGpuLease> BatchAndService(TestPool pool, FlakyCommands backend)
    {
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1_000_000), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);
        var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0));
        await using (await lease.BeginRequestAsync())
        {
            Assert.True(backend.IsPaused("batch"));
        }

        return lease;
    }

    /// <summary>Ends the service; its release may see a failed resume, and where the batch ends is what the tests check.</summary>
    private static async Task LeaveAsync(VGpuLease lease)
    {
        try
        {
            await lease.DisposeAsync();
        }
        catch (Exception)
        {
            // Without the retry the failure may reach the lease's release.
        }
    }

    private static async Task<(TestPool Pool, GpuNodeDaemon Daemon, FlakyCommands Backend)> StartAsync(double memoryOversubscription = 1.0)
    {
        var pool = await TestPool.StartAsync([], oversubscription: 2.0, memoryOversubscription: memoryOversubscription);
        var options = new NodeDaemonOptions { NodeName = "flaky", DataCenter = "dc1", HostSwapMiB = 262_144 };
        var backend = new FlakyCommands(new SimulatedGpuBackend(options.NodeId, [GpuModelCatalog.Get("A100-80GB")], pool.Clock, options.HostSwapMiB));
        var daemon = new GpuNodeDaemon(options, backend, pool.Grains, NullLogger<GpuNodeDaemon>.Instance, pool.Clock);
        await daemon.StartAsync(CancellationToken.None);
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.SchedulerSnapshot()).Nodes));
        return (pool, daemon, backend);
    }

    /// <summary>The simulator, failing the next pause, resume or move in once, as a daemon whose command timed out would.</summary>
    private sealed class FlakyCommands(SimulatedGpuBackend inner) : DelegatingGpuBackend(inner)
    {
        private readonly Dictionary<string, int> failing = new(StringComparer.Ordinal);

        public SimulatedGpuBackend Inner { get; } = inner;

        public void FailNext(string command, int times = 1)
        {
            lock (failing)
            {
                failing[command] = times;
            }
        }

        public int StillToFail(string command)
        {
            lock (failing)
            {
                return failing.GetValueOrDefault(command);
            }
        }

        private void MaybeFail(string command)
        {
            lock (failing)
            {
                if (failing.GetValueOrDefault(command) > 0)
                {
                    failing[command]--;
                    throw new BackendException($"{command} timed out");
                }
            }
        }

        public override bool Pause(string taskId, long generation, string hold)
        {
            MaybeFail("pause");
            return base.Pause(taskId, generation, hold);
        }

        public override bool Resume(string taskId, long generation, string hold)
        {
            MaybeFail("resume");
            return base.Resume(taskId, generation, hold);
        }

        public override Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB = long.MaxValue)
        {
            MaybeFail("swapin");
            return base.SwapIn(taskId, generation, residentMiB);
        }
    }
}
