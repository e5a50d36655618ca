using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A run's limit (<see cref="TaskSpec.MaxRuntime"/>) in fake time.</summary>
public sealed class MaxRuntimeTests
{
    private static TaskSpec Endless(TimeSpan limit, double computePercent = 100) =>
        Specs.Batch(computePercent: computePercent, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e12) with { MaxRuntime = limit, Restart = RestartPolicy.OnFailure(3) };

    [Fact]
    public async Task A_run_past_its_limit_is_stopped_frees_its_card_and_is_not_restarted()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Endless(TimeSpan.FromMinutes(10)), "runaway");
        await pool.WaitForAsync("runaway", TaskState.Running);
        Assert.Contains("runtime", await pool.RemindersOf("runaway"));

        pool.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(TaskState.Running, await pool.StateOf("runaway"));
        pool.Advance(TimeSpan.FromMilliseconds(1));
        var failed = await pool.WaitForAsync("runaway", TaskState.Failed);
        Assert.Equal("ran past its max runtime of 10m (each run's limit, not counting time paused)", failed.ExitReason);
        Assert.Equal(0, failed.Restarts);
        await pool.EventuallyAsync(async () => Assert.Equal(["stopped past its max runtime of 10m"],
            (await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)).Where(e => e.Kind == PoolEventKinds.RunLimit && e.TaskId == "runaway").Select(e => e.Detail)));
        Assert.Empty(pool.Backend("n0").Running);
        await pool.EventuallyAsync(async () => Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices));
        await pool.EventuallyAsync(async () => Assert.DoesNotContain("runtime", await pool.RemindersOf("runaway")));
    }

    [Fact]
    public async Task Time_paused_by_online_work_does_not_count_against_the_limit()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        await pool.SubmitAsync(Endless(TimeSpan.FromMinutes(10)), "offline");
        await pool.WaitForAsync("offline", TaskState.Running);
        pool.Advance(TimeSpan.FromMinutes(6));

        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.Zero });
        await using (await lease.BeginRequestAsync())
        {
            await pool.WaitForAsync("offline", TaskState.Suspended);
            pool.Advance(TimeSpan.FromMinutes(8));
        }

        await pool.WaitForAsync("offline", TaskState.Running);

        // 14 minutes since it started, 6 of them running: 4 left.
        pool.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1));
        Assert.Equal(TaskState.Running, await pool.StateOf("offline"));
        pool.Advance(TimeSpan.FromSeconds(1));
        var failed = await pool.WaitForAsync("offline", TaskState.Failed);
        Assert.Contains("max runtime of 10m", failed.ExitReason);
    }

    [Fact]
    public async Task A_run_that_finishes_in_time_completes_and_leaves_no_reminder()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 60_000) with { MaxRuntime = TimeSpan.FromMinutes(2) }, "quick");
        await pool.WaitForAsync("quick", TaskState.Running);
        pool.Advance(TimeSpan.FromMinutes(1));
        await pool.WaitForAsync("quick", TaskState.Completed);
        await pool.EventuallyAsync(async () => Assert.DoesNotContain("runtime", await pool.RemindersOf("quick")));
        pool.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TaskState.Completed, await pool.StateOf("quick"));
    }
}
