using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>An operator's pause and resume (<see cref="OrionClient.PauseAsync"/>) in fake time.</summary>
public sealed class OperatorPauseTests
{
    [Fact]
    public async Task A_paused_task_stops_computing_keeps_its_slice_and_runs_on_where_it_was_when_resumed()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 60_000) with { MaxRuntime = TimeSpan.FromMinutes(2) }, "job");
        await pool.WaitForAsync("job", TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(30));

        var paused = await pool.Client.PauseAsync("job", "debugging a loss spike");
        Assert.Equal((TaskState.Suspended, "debugging a loss spike", 1), (paused!.State, paused.HeldBy, paused.SuspendCount));
        Assert.True(pool.Backend("n0").IsPaused("job"));
        Assert.Equal(paused.Version, (await pool.Client.PauseAsync("job", "again"))!.Version);

        // Ten minutes paused: no work done, the slice still its own, and its run limit (2 minutes) not reached.
        pool.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(30_000, pool.Backend("n0").GetTask("job")!.GpuMsDone, 3);
        Assert.Single(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices);
        Assert.Equal(TaskState.Suspended, await pool.StateOf("job"));

        var resumed = await pool.Client.ResumeAsync("job");
        Assert.Equal((TaskState.Running, null, TimeSpan.FromMinutes(10)), (resumed!.State, resumed.HeldBy, resumed.SuspendedFor));
        Assert.False(pool.Backend("n0").IsPaused("job"));
        pool.Advance(TimeSpan.FromSeconds(30));
        await pool.WaitForAsync("job", TaskState.Completed);
        await pool.EventuallyAsync(async () => Assert.Equal(
            [(PoolEventKinds.OperatorPause, "debugging a loss spike"), (PoolEventKinds.OperatorResume, "was held: debugging a loss spike")],
            (await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)).Where(e => e.TaskId == "job" && e.Kind.StartsWith("operator-", StringComparison.Ordinal)).Select(e => (e.Kind, e.Detail))));
    }

    [Fact]
    public async Task Online_work_going_quiet_does_not_resume_a_task_an_operator_paused()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.Zero });
        await using (await lease.BeginRequestAsync())
        {
            await pool.WaitForAsync("batch", TaskState.Suspended);
            await pool.Client.PauseAsync("batch", "hold");
        }

        // The card resumes what it paused; the operator's hold keeps the task paused, and its state says so.
        await pool.EventuallyAsync(async () => Assert.Empty((await pool.Grains.GetGrain<IGpuGrain>(lease.Status.Placement!.GpuIds[0]).GetSnapshot())!.Paused));
        Assert.True(pool.Backend("n0").IsPaused("batch"));
        Assert.Equal(("hold", TaskState.Suspended), ((await pool.Client.GetAsync("batch"))!.HeldBy, await pool.StateOf("batch")));

        await pool.Client.ResumeAsync("batch");
        Assert.False(pool.Backend("n0").IsPaused("batch"));
        Assert.Equal(TaskState.Running, await pool.StateOf("batch"));
    }

    [Fact]
    public async Task A_task_resumed_by_an_operator_while_its_card_pauses_it_stays_suspended_until_the_card_resumes_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);
        await pool.Client.PauseAsync("batch", "hold");
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.Zero });
        await using (await lease.BeginRequestAsync())
        {
            var resumed = await pool.Client.ResumeAsync("batch");
            Assert.Equal((TaskState.Suspended, null), (resumed!.State, resumed.HeldBy));
            Assert.True(pool.Backend("n0").IsPaused("batch"));
        }

        await pool.WaitForAsync("batch", TaskState.Running);
        await pool.EventuallyAsync(() => Task.Run(() => Assert.False(pool.Backend("n0").IsPaused("batch"))));
    }

    [Fact]
    public async Task Only_a_running_task_can_be_paused_and_an_unknown_one_is_none()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9), "running");
        await pool.WaitForAsync("running", TaskState.Running);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9), "queued");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.PauseAsync("queued"));
        Assert.Equal("task queued is Pending: only a running task can be paused (cancel one that is not)", refused.Message);
        Assert.Null(await pool.Client.PauseAsync("nope"));
        Assert.Equal(TaskState.Running, (await pool.Client.ResumeAsync("running"))!.State);
    }

    [Fact]
    public async Task A_pause_ends_with_its_run_and_the_next_run_starts_free()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9), "moved");
        var first = await pool.WaitForAsync("moved", TaskState.Running);
        await pool.Client.PauseAsync("moved", "hold");
        await pool.Client.DrainAsync(first.Placement!.NodeId, "maintenance");

        var again = await pool.WaitForAsync("moved", TaskState.Running);
        Assert.Equal(2, again.Generation);
        Assert.Null(again.HeldBy);
        Assert.False(pool.Backend(again.Placement!.NodeId.Split('/')[1]).IsPaused("moved"));

        // And it can be paused again there.
        var repaused = await pool.Client.PauseAsync("moved", "again");
        Assert.Equal((TaskState.Suspended, "again"), (repaused!.State, repaused.HeldBy));
        Assert.True(pool.Backend(again.Placement!.NodeId.Split('/')[1]).IsPaused("moved"));
    }
}
