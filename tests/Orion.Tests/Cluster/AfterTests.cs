using Orion.Client;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Tasks that run after others (<see cref="TaskSpec.After"/>): a pipeline's steps, a join after a job array.</summary>
public sealed class AfterTests
{
    // A whole card's work of a second: 1,000 GPU-ms at 100%.
    private static TaskSpec Step(string name, double seconds = 1, params string[] after) =>
        Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: seconds * 1000, name: name) with { After = after.Length == 0 ? null : [.. after] };

    [Fact]
    public async Task A_task_after_another_holds_nothing_until_it_completes_then_runs()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.SetQuotaAsync("team-a", new TenantQuota(Tasks: 1));
        await pool.SubmitAsync(Step("prep"), "prep");
        await pool.WaitForAsync("prep", TaskState.Running);

        // Its tenant may run one task: the blocked one is not charged, so it neither waits for the quota nor is refused.
        var blocked = await pool.SubmitAsync(Step("index", after: "prep"), "index");
        Assert.Equal(TaskState.Blocked, blocked.State);
        Assert.Equal(["prep"], blocked.Awaiting!);
        Assert.Null(blocked.QuotaWait);
        Assert.Equal((1, 0), ((await pool.Client.GetTenantAsync("team-a")).Tasks, (await pool.Client.GetTenantAsync("team-a")).Waiting));

        // Nor is it charged by a tenant that comes back and takes in the live tasks the catalogue lists.
        await pool.Grains.GetGrain<ITenantGrain>("team-a").Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.Client.GetTenantAsync("team-a")).Tasks));
        Assert.Equal("waiting for prep to complete (it runs after it)", await pool.Client.WhyWaitingAsync("index"));
        Assert.Single(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices);

        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("prep", TaskState.Completed);
        var running = await pool.WaitForAsync("index", TaskState.Running);
        Assert.Null(running.Awaiting);
        await pool.EventuallyAsync(async () => Assert.Equal(["prep completed"],
            (await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)).Where(e => e.Kind == PoolEventKinds.Unblocked && e.TaskId == "index").Select(e => e.Detail)));
        Assert.Equal(1, running.Generation);
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("index", TaskState.Completed);
        await pool.AssertConsistentAsync(["prep", "index"]);
    }

    [Fact]
    public async Task A_join_runs_once_the_last_of_the_tasks_it_runs_after_completes()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Step("shard", seconds: 1), "shard-0");
        await pool.SubmitAsync(Step("shard", seconds: 2), "shard-1");
        await pool.SubmitAsync(Step("merge", after: ["shard-0", "shard-1"]), "merge");
        await pool.WaitForAsync("shard-0", TaskState.Running);
        await pool.WaitForAsync("shard-1", TaskState.Running);

        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("shard-0", TaskState.Completed);
        await pool.EventuallyAsync(async () => Assert.Equal(["shard-1"], (await pool.Client.GetAsync("merge"))!.Awaiting!));
        Assert.Equal(TaskState.Blocked, await pool.StateOf("merge"));

        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("merge", TaskState.Running);
    }

    [Fact]
    public async Task A_join_after_a_whole_job_array_runs_once_every_shard_completed()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        var shard = Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 100, name: "shard");
        await pool.Client.SubmitManyAsync([.. Enumerable.Range(0, 300).Select(i => new TaskSubmission(shard, $"shard-{i}"))]);
        var join = await pool.SubmitAsync(Step("join") with { After = [.. Enumerable.Range(0, 300).Select(i => $"shard-{i}")] }, "join");
        Assert.Equal(TaskState.Blocked, join.State);

        var running = await pool.WhileAdvancing(pool.Client.WaitForStateAsync("join", [TaskState.Running]), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(200));
        var shards = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => pool.Client.GetAsync($"shard-{i}")));
        Assert.All(shards, s => Assert.Equal(TaskState.Completed, s!.State));
        Assert.True(running.StartedAt >= shards.Max(s => s!.EndedAt));
    }

    [Fact]
    public async Task A_task_after_one_that_already_completed_is_queued_at_once()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Step("prep"), "prep");
        await pool.WaitForAsync("prep", TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("prep", TaskState.Completed);

        var next = await pool.SubmitAsync(Step("index", after: "prep"), "index");
        Assert.Contains(next.State, new[] { TaskState.Placing, TaskState.Running });
    }

    [Fact]
    public async Task When_a_task_fails_or_is_cancelled_the_chain_after_it_is_cancelled()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Step("extract", seconds: 60), "extract");
        await pool.SubmitAsync(Step("transform", after: "extract"), "transform");
        await pool.SubmitAsync(Step("load", after: "transform"), "load");
        await pool.Client.CancelAsync("extract", "bad input");

        var transform = await pool.WaitForAsync("transform", TaskState.Cancelled);
        Assert.Equal("extract, which it runs after, cancelled: bad input", transform.ExitReason);
        var load = await pool.WaitForAsync("load", TaskState.Cancelled);
        Assert.StartsWith("transform, which it runs after, cancelled: extract", load.ExitReason);
        Assert.Null(transform.StartedAt);
    }

    [Fact]
    public async Task A_cancelled_blocked_task_stays_cancelled_when_what_it_waited_for_completes()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Step("prep"), "prep");
        await pool.SubmitAsync(Step("index", after: "prep"), "index");
        var cancelled = await pool.Client.CancelAsync("index");
        Assert.Equal(TaskState.Cancelled, cancelled!.State);
        await pool.WaitForAsync("prep", TaskState.Running);

        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("prep", TaskState.Completed);
        pool.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TaskState.Cancelled, await pool.StateOf("index"));
        Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices);
    }

    [Fact]
    public async Task A_task_after_an_unknown_ended_or_its_own_id_is_refused_and_nothing_is_written()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Step("doomed", seconds: 60), "doomed");
        await pool.Client.CancelAsync("doomed");

        var unknown = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Step("x", after: "nope"), "x1"));
        Assert.Equal(("after", "no task 'nope' (a task runs after tasks already submitted)"), (unknown.Errors.Single().Field, unknown.Errors.Single().Rule));
        var ended = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Step("x", after: "doomed"), "x2"));
        Assert.Equal("'doomed' cancelled, so this task would never run", ended.Errors.Single().Rule);
        var self = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Step("x", after: "x3"), "x3"));
        Assert.Equal("after", self.Errors.Single().Field);
        foreach (var id in new[] { "x1", "x2", "x3" })
        {
            Assert.Null(await pool.Client.GetAsync(id));
        }
    }

    [Fact]
    public async Task An_ending_lost_on_its_way_is_made_up_at_the_blocked_tasks_reminder()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, queueRecovery: true);
        await pool.SubmitAsync(Step("prep"), "prep");
        await pool.SubmitAsync(Step("index", after: "prep"), "index");
        Assert.Contains("queue", await pool.RemindersOf("index"));

        faults.LoseNext("IVGpuTaskGrain.OnAwaitedEnded", "index");
        await pool.WaitForAsync("prep", TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("prep", TaskState.Completed);
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(0, faults.StillToLose("IVGpuTaskGrain.OnAwaitedEnded", "index"))));
        Assert.Equal(TaskState.Blocked, await pool.StateOf("index"));

        await pool.Grains.GetGrain<IVGpuTaskGrain>("index").Cast<IRemindable>().ReceiveReminder("queue", default);
        await pool.WaitForAsync("index", TaskState.Running);
    }

    [Fact]
    public async Task A_clean_up_step_runs_once_its_tasks_ended_however_they_ended()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);

        // One shard fails (it runs past its limit), one is cancelled, one completes: a clean-up after them all still runs.
        await pool.SubmitAsync(Step("shard", seconds: 60) with { MaxRuntime = TimeSpan.FromSeconds(1) }, "shard-0");
        await pool.SubmitAsync(Step("shard", seconds: 60), "shard-1");
        await pool.SubmitAsync(Step("shard", seconds: 2), "shard-2");
        var cleanup = await pool.SubmitAsync(Step("cleanup", after: ["shard-0", "shard-1", "shard-2"]) with { AfterCondition = AfterCondition.Ended }, "cleanup");
        Assert.Equal(TaskState.Blocked, cleanup.State);
        Assert.Equal("waiting for shard-0, shard-1, shard-2 to end (it runs after them)", await pool.Client.WhyWaitingAsync("cleanup"));

        await pool.WaitForAsync("shard-0", TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("shard-0", TaskState.Failed);
        await pool.Client.CancelAsync("shard-1", "not needed");
        await pool.EventuallyAsync(async () => Assert.Equal(["shard-2"], (await pool.Client.GetAsync("cleanup"))!.Awaiting!));

        await pool.WaitForAsync("shard-2", TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(2));
        await pool.WaitForAsync("shard-2", TaskState.Completed);
        await pool.WaitForAsync("cleanup", TaskState.Running);
        await pool.EventuallyAsync(async () => Assert.Equal(["shard-0, shard-1, shard-2 ended"],
            (await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)).Where(e => e.Kind == PoolEventKinds.Unblocked && e.TaskId == "cleanup").Select(e => e.Detail)));

        // A clean-up after tasks that already ended, whichever way, is queued at once.
        var late = await pool.SubmitAsync(Step("late", after: ["shard-0", "shard-1"]) with { AfterCondition = AfterCondition.Ended }, "late");
        Assert.NotEqual(TaskState.Blocked, late.State);
    }

    [Fact]
    public async Task A_failure_handler_runs_when_its_task_fails_and_is_cancelled_when_it_completes()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Step("train", seconds: 60) with { MaxRuntime = TimeSpan.FromSeconds(1) }, "train");
        await pool.SubmitAsync(Step("eval", seconds: 1), "eval");
        await pool.SubmitAsync(Step("page-oncall", after: "train") with { AfterCondition = AfterCondition.Failed }, "page-oncall");
        await pool.SubmitAsync(Step("rollback", after: "eval") with { AfterCondition = AfterCondition.Failed }, "rollback");
        Assert.Equal("waiting for train to fail (it runs after it)", await pool.Client.WhyWaitingAsync("page-oncall"));

        await pool.WaitForAsync("train", TaskState.Running);
        await pool.WaitForAsync("eval", TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("train", TaskState.Failed);
        await pool.WaitForAsync("eval", TaskState.Completed);

        await pool.WaitForAsync("page-oncall", TaskState.Running);
        var rollback = await pool.WaitForAsync("rollback", TaskState.Cancelled);
        Assert.StartsWith("eval, which it runs after, completed", rollback.ExitReason);
        Assert.EndsWith("(it runs only once they fail)", rollback.ExitReason);
        Assert.Null(rollback.StartedAt);

        // Submitted after the outcome: a handler of a task that completed is refused; of one that failed, queued at once.
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Step("x", after: "eval") with { AfterCondition = AfterCondition.Failed }, "x"));
        Assert.Equal(("after", "'eval' completed, so this task would never run (it runs only once they fail)"), (refused.Errors.Single().Field, refused.Errors.Single().Rule));
        Assert.Null(await pool.Client.GetAsync("x"));
        var handler = await pool.SubmitAsync(Step("y", after: "train") with { AfterCondition = AfterCondition.Failed }, "y");
        Assert.NotEqual(TaskState.Blocked, handler.State);
    }
}
