using Orion.Client;
using Orion.Contracts;
using Orleans;
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
    public async Task A_queued_task_held_is_passed_over_until_resumed_and_keeps_its_quota_charge()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], queueRecovery: true);
        var card = Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9);
        await pool.SubmitAsync(card, "running");
        await pool.WaitForAsync("running", TaskState.Running);
        await pool.SubmitAsync(card, "first");
        await pool.SubmitAsync(card, "second");

        var held = await pool.Client.PauseAsync("first", "wrong dataset");
        Assert.Equal((TaskState.Pending, "wrong dataset", (string?)null, 2L), (held!.State, held.HeldBy, held.QueuedIn, held.Generation));
        Assert.Equal("held by an operator (wrong dataset): queued only when resumed", await pool.Client.WhyWaitingAsync("first"));
        Assert.Equal(3, (await pool.Client.GetTenantAsync("team-a")).Tasks);

        // Its recovery reminder does not queue it again, nor does a priority change; the card goes to the task behind it.
        await pool.Grains.GetGrain<IVGpuTaskGrain>("first").Cast<IRemindable>().ReceiveReminder("queue", default);
        await pool.Client.SetPriorityAsync("first", new TaskPriority(PriorityClass.Offline, 5));
        await pool.Client.CancelAsync("running");
        await pool.WaitForAsync("second", TaskState.Running);

        // A task queued after it gets the card next: had it been queued (earlier, same priority), it would have.
        await pool.Client.CancelAsync("second");
        await pool.SubmitAsync(card, "probe");
        await pool.WaitForAsync("probe", TaskState.Running);
        Assert.Equal(TaskState.Pending, await pool.StateOf("first"));

        var resumed = await pool.Client.ResumeAsync("first");
        Assert.Equal((TaskState.Pending, (string?)null), (resumed!.State, resumed.HeldBy));
        Assert.NotNull(resumed.QueuedIn);
        await pool.Client.CancelAsync("probe");
        var running = await pool.WaitForAsync("first", TaskState.Running);
        Assert.Equal(2, running.Generation);
        await pool.EventuallyAsync(async () => Assert.Equal(
            [(PoolEventKinds.OperatorPause, "wrong dataset"), (PoolEventKinds.OperatorResume, "was held: wrong dataset")],
            (await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)).Where(e => e.TaskId == "first" && e.Kind.StartsWith("operator-", StringComparison.Ordinal)).Select(e => (e.Kind, e.Detail))));
        await pool.AssertConsistentAsync(["running", "first", "second", "probe"]);
    }

    [Fact]
    public async Task A_held_task_admitted_by_its_quota_or_unblocked_waits_for_resume()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("team-a", new TenantQuota(Tasks: 1));
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1000, name: "prep"), "prep");
        await pool.WaitForAsync("prep", TaskState.Running);
        var inLine = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9), "in-line");
        Assert.NotNull(inLine.QuotaWait);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9) with { After = ["prep"] }, "after-prep");
        Assert.Equal(TaskState.Pending, (await pool.Client.PauseAsync("in-line", "hold"))!.State);
        Assert.Equal(TaskState.Blocked, (await pool.Client.PauseAsync("after-prep", "hold"))!.State);

        // Prep completes: the one in line is admitted (charged) but not queued, the blocked one waits on nothing but the hold.
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("prep", TaskState.Completed);
        await pool.EventuallyAsync(async () => Assert.Null((await pool.Client.GetAsync("in-line"))!.QuotaWait));
        await pool.EventuallyAsync(async () => Assert.Empty((await pool.Client.GetAsync("after-prep"))!.Awaiting!));
        pool.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((TaskState.Pending, (string?)null), (await pool.StateOf("in-line"), (await pool.Client.GetAsync("in-line"))!.QueuedIn));
        Assert.Equal(TaskState.Blocked, await pool.StateOf("after-prep"));
        Assert.All((await pool.NodeSnapshot("n0")).Gpus, g => Assert.Empty(g.Slices));

        await pool.Client.ResumeAsync("in-line");
        await pool.WaitForAsync("in-line", TaskState.Running);
        await pool.Client.ResumeAsync("after-prep");
        var unblocked = await pool.Client.GetAsync("after-prep");
        Assert.Equal(TaskState.Pending, unblocked!.State);
        Assert.StartsWith("tenant 'team-a' would pass its quota of 1 live task", unblocked.QuotaWait);
    }

    [Fact]
    public async Task A_task_ended_is_not_held_and_an_unknown_one_is_none()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9), "running");
        await pool.WaitForAsync("running", TaskState.Running);
        await pool.SubmitAsync(Specs.Batch(computePercent: 10, items: 1, gpuMsPerItem: 1e9), "ended");
        await pool.Client.CancelAsync("ended");

        Assert.Equal("task ended is Cancelled: only a running, queued, blocked or scheduled task can be paused (cancel one that is not)",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.PauseAsync("ended"))).Message);
        Assert.Null(await pool.Client.PauseAsync("nope"));
        Assert.Equal(TaskState.Running, (await pool.Client.ResumeAsync("running"))!.State);
    }

    [Fact]
    public async Task A_gang_member_held_before_its_gang_is_placed_holds_the_whole_gang_until_resumed()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        TaskSpec Member() => Specs.Training(1, steps: 1_000_000) with { Gang = new GangSpec("pair", 2) };
        await pool.SubmitAsync(Member(), "pair-0");
        Assert.Equal("held for a check", (await pool.Client.PauseAsync("pair-0", "held for a check"))!.HeldBy);
        await pool.SubmitAsync(Member(), "pair-1");

        // Room for both, yet neither runs: the gang is placed only all together, and one of it is held.
        var waiting = await pool.WaitForAsync("pair-1", TaskState.Pending);
        await pool.SubmitAsync(Specs.Batch(computePercent: 10, items: 1, gpuMsPerItem: 1e9), "probe");
        await pool.WaitForAsync("probe", TaskState.Running);
        await pool.Client.CancelAsync("probe");
        Assert.Equal((TaskState.Pending, TaskState.Pending), (await pool.StateOf("pair-0"), await pool.StateOf("pair-1")));
        Assert.Equal(waiting.Generation, (await pool.Client.GetAsync("pair-1"))!.Generation);

        await pool.Client.ResumeAsync("pair-0");
        var (a, b) = (await pool.WaitForAsync("pair-0", TaskState.Running), await pool.WaitForAsync("pair-1", TaskState.Running));
        Assert.NotEqual(a.Placement!.GpuIds, b.Placement!.GpuIds);
        await pool.AssertConsistentAsync(["pair-0", "pair-1", "probe"]);
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
