using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Scheduled tasks in fake time; the pool's clock starts at 22:00 UTC.</summary>
public sealed class ScheduledTaskTests
{
    private static TaskSpec Nightly(TimeSpan work, WindowClosePolicy onClose = WindowClosePolicy.Stop, int? occurrences = null) =>
        Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: work.TotalMilliseconds) with
        {
            Schedule = ScheduleSpec.Daily("30 22 * * *", TimeSpan.FromHours(1), onClose: onClose, occurrences: occurrences),
        };

    [Fact]
    public async Task A_scheduled_task_held_between_windows_lets_them_pass_unrun_and_runs_in_the_open_one_once_resumed()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var start = pool.Clock.GetUtcNow();
        await pool.SubmitAsync(Nightly(TimeSpan.FromMinutes(30)), "nightly");
        var held = (await pool.Client.PauseAsync("nightly", "inputs not ready"))!;
        Assert.Equal((TaskState.Scheduled, "inputs not ready"), (held.State, held.HeldBy));
        Assert.Equal("suspended by an operator (inputs not ready): its windows pass unrun until resumed", await pool.Client.WhyWaitingAsync("nightly"));

        // Its window opens: it stays asleep, and waits for the next night's.
        pool.Advance(TimeSpan.FromMinutes(31));
        await pool.EventuallyAsync(async () => Assert.Equal(start.AddDays(1).AddMinutes(30), (await pool.Client.GetAsync("nightly"))!.WindowOpensAt));
        Assert.Equal((TaskState.Scheduled, 0), ((await pool.Client.GetAsync("nightly"))!.State, (await pool.Client.GetAsync("nightly"))!.Occurrence));
        Assert.Empty(pool.Backend("n0").Running);

        // Resumed while tonight's window is still open: it runs in it at once.
        pool.Advance(TimeSpan.FromMinutes(10));
        var resumed = (await pool.Client.ResumeAsync("nightly"))!;
        Assert.Null(resumed.HeldBy);
        var running = await pool.WaitForAsync("nightly", TaskState.Running);
        Assert.Equal((start.AddMinutes(30), 1), (running.WindowOpensAt, running.Occurrence));
    }

    [Fact]
    public async Task A_nightly_task_sleeps_runs_in_its_window_and_comes_back_the_next_night()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var start = pool.Clock.GetUtcNow();
        var task = await pool.SubmitAsync(Nightly(TimeSpan.FromMinutes(30), occurrences: 2), "nightly");
        Assert.Equal(TaskState.Scheduled, task.State);
        Assert.Equal(start.AddMinutes(30), task.WindowOpensAt);

        pool.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(TaskState.Scheduled, await pool.StateOf("nightly"));
        Assert.Empty(pool.Backend("n0").Running);

        pool.Advance(TimeSpan.FromMinutes(1));
        var first = await pool.WaitForAsync("nightly", TaskState.Running);
        Assert.Equal(1, first.Occurrence);

        pool.Advance(TimeSpan.FromMinutes(30));
        var between = await pool.WaitForAsync("nightly", TaskState.Scheduled);
        Assert.Equal(start.AddDays(1).AddMinutes(30), between.WindowOpensAt);
        await pool.EventuallyAsync(async () => Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices));

        pool.Advance(TimeSpan.FromHours(23).Add(TimeSpan.FromMinutes(30)));
        var second = await pool.WaitForAsync("nightly", TaskState.Running);
        Assert.Equal(2, second.Occurrence);
        Assert.Equal(2, second.Generation);

        pool.Advance(TimeSpan.FromMinutes(30));
        var done = await pool.WaitForAsync("nightly", TaskState.Completed);
        Assert.Contains("2 windows", done.ExitReason);
    }

    [Fact]
    public async Task When_the_window_closes_on_unfinished_work_with_Stop_it_goes_down_and_frees_the_card()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Nightly(TimeSpan.FromHours(2)), "long");
        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.WaitForAsync("long", TaskState.Running);

        pool.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(TaskState.Running, await pool.StateOf("long"));
        pool.Advance(TimeSpan.FromMinutes(1));
        var closed = await pool.WaitForAsync("long", TaskState.Scheduled);
        Assert.Empty(pool.Backend("n0").Running);
        Assert.Equal(pool.Clock.GetUtcNow().AddHours(23), closed.WindowOpensAt);
        await pool.EventuallyAsync(async () => Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices));
    }

    [Fact]
    public async Task With_Pause_it_waits_on_its_card_and_continues_where_it_was_in_the_next_window()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Nightly(TimeSpan.FromMinutes(90), WindowClosePolicy.Pause), "resumable");
        pool.Advance(TimeSpan.FromMinutes(30));
        var running = await pool.WaitForAsync("resumable", TaskState.Running);

        pool.Advance(TimeSpan.FromHours(1));
        var paused = await pool.WaitForAsync("resumable", TaskState.Suspended);
        Assert.True(pool.Backend("n0").IsPaused("resumable"));
        Assert.Equal(TimeSpan.FromHours(1).TotalMilliseconds, pool.Backend("n0").GetTask("resumable")!.GpuMsDone, 3);
        Assert.Single(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices);

        pool.Advance(TimeSpan.FromHours(23));
        var again = await pool.WaitForAsync("resumable", TaskState.Running);
        Assert.Equal(2, again.Occurrence);
        Assert.Equal(running.Generation, again.Generation);
        Assert.False(pool.Backend("n0").IsPaused("resumable"));

        pool.Advance(TimeSpan.FromMinutes(30));
        var done = await pool.WaitForAsync("resumable", TaskState.Scheduled);
        Assert.Equal(TimeSpan.FromHours(23), done.SuspendedFor);
        Assert.Equal(1, paused.SuspendCount);
    }

    [Fact]
    public async Task A_scheduled_task_whose_start_fails_ends_without_leaving_its_window_reminder()
    {
        var faults = new GrainCallFaults();
        faults.Fail("IGpuGrain.TryStartTask");
        faults.Fail("INodeGrain.StartTask");
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults);
        await pool.SubmitAsync(Nightly(TimeSpan.FromMinutes(30)), "nightly");
        Assert.Contains("window", await pool.RemindersOf("nightly"));

        pool.Advance(TimeSpan.FromMinutes(30));
        var failed = await pool.WaitForAsync("nightly", TaskState.Failed);
        Assert.Contains("start failed", failed.ExitReason);
        await pool.EventuallyAsync(async () => Assert.DoesNotContain("window", await pool.RemindersOf("nightly")));
    }

    [Fact]
    public async Task A_window_whose_resume_fails_is_resumed_at_the_next_tick()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults);
        await pool.SubmitAsync(Nightly(TimeSpan.FromMinutes(90), WindowClosePolicy.Pause), "resumable");
        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.WaitForAsync("resumable", TaskState.Running);
        pool.Advance(TimeSpan.FromHours(1));
        await pool.WaitForAsync("resumable", TaskState.Suspended);

        // The next window opens while the node cannot be reached: the resume fails.
        faults.FailNext("INodeGrain.HoldTask", "dc1/n0");
        pool.Advance(TimeSpan.FromHours(23));
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(0, faults.StillToFail("INodeGrain.HoldTask", "dc1/n0"));
            return Task.CompletedTask;
        });
        Assert.Equal(TaskState.Suspended, await pool.StateOf("resumable"));

        // The reminder's next tick (called here rather than waited for in real time) opens the window again.
        await pool.Grains.GetGrain<IVGpuTaskGrain>("resumable").OnScheduleTick();
        var again = await pool.WaitForAsync("resumable", TaskState.Running);
        Assert.Equal(2, again.Occurrence);
        Assert.False(pool.Backend("n0").IsPaused("resumable"));
    }

    [Fact]
    public async Task A_window_whose_queuing_fails_keeps_the_reminder_that_queues_it_again()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, queueRecovery: true);
        await pool.SubmitAsync(Nightly(TimeSpan.FromMinutes(30)), "nightly");

        // The window opens while its scheduler cannot be reached (its silo died): the task is Pending in no queue.
        faults.FailNext("ISchedulerGrain.Enqueue", "dc1");
        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.EventuallyAsync(async () =>
        {
            Assert.Equal(0, faults.StillToFail("ISchedulerGrain.Enqueue", "dc1"));
            Assert.Equal(TaskState.Pending, await pool.StateOf("nightly"));
        });
        Assert.Contains("queue", await pool.RemindersOf("nightly"));
    }

    [Fact]
    public async Task A_bad_schedule_is_rejected_with_its_field_named()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var bad = Specs.Batch() with { Schedule = ScheduleSpec.Daily("61 25 * * *", TimeSpan.FromHours(1)) };
        var ex = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(bad, "bad"));
        Assert.Equal("schedule.cron", Assert.Single(ex.Errors).Field);
        Assert.Null(await pool.Client.GetAsync("bad"));
    }
}
