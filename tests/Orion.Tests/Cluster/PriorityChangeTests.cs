using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Changing a task's priority (<see cref="Orion.Client.OrionClient.SetPriorityAsync"/>), queued or running.</summary>
public sealed class PriorityChangeTests
{
    private static TaskSpec Whole(int level = 0) => Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9, level: level);

    [Fact]
    public async Task A_queued_task_raised_above_another_is_placed_before_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Whole(), "hog");
        await pool.WaitForAsync("hog", TaskState.Running);
        await pool.SubmitAsync(Whole(), "first");
        var second = await pool.SubmitAsync(Whole(), "second");
        Assert.Equal(["first", "second"], (await pool.SchedulerSnapshot()).Queue);

        var raised = await pool.Client.SetPriorityAsync("second", new TaskPriority(PriorityClass.Offline, 5));
        Assert.Equal((TaskState.Pending, "Offline/5", second.Generation + 1), (raised!.State, raised.Spec.Priority.ToString(), raised.Generation));
        await pool.EventuallyAsync(async () => Assert.Equal(["second", "first"], (await pool.SchedulerSnapshot()).Queue));

        await pool.Client.CancelAsync("hog");
        await pool.WaitForAsync("second", TaskState.Running);
        Assert.Equal(TaskState.Pending, await pool.StateOf("first"));
        await pool.AssertConsistentAsync(["hog", "first", "second"]);
    }

    [Fact]
    public async Task A_task_waiting_for_its_quota_keeps_its_place_in_line_with_its_new_priority()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("team-a", new TenantQuota(Tasks: 1));
        await pool.SubmitAsync(Whole(), "hog");
        var waiting = await pool.SubmitAsync(Whole(), "waits");
        Assert.NotNull(waiting.QuotaWait);

        var raised = await pool.Client.SetPriorityAsync("waits", new TaskPriority(PriorityClass.Training, 2));
        Assert.Equal(("Training/2", waiting.Generation), (raised!.Spec.Priority.ToString(), raised.Generation));
        Assert.NotNull(raised.QuotaWait);
        await pool.Client.CancelAsync("hog");
        Assert.Equal("Training/2", (await pool.WaitForAsync("waits", TaskState.Running)).Spec.Priority.ToString());
    }

    [Fact]
    public async Task An_ended_task_a_gang_member_or_a_change_to_online_is_refused_and_the_rules_of_a_priority_hold()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Whole(), "running");
        var running = await pool.WaitForAsync("running", TaskState.Running);
        await pool.SubmitAsync(Whole(), "queued");
        await pool.SubmitAsync(Specs.Training(1) with { Gang = new GangSpec("g", 2) }, "g-0");
        await pool.SubmitAsync(Whole(), "done");

        await pool.Client.CancelAsync("done");
        Assert.Equal("task done is Cancelled: an ended task has no priority to change",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.SetPriorityAsync("done", new TaskPriority(PriorityClass.Offline, 1)))).Message);
        Assert.Contains("member of gang g", (await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.SetPriorityAsync("g-0", new TaskPriority(PriorityClass.Training, 1)))).Message);
        Assert.Contains("to or from online", (await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.SetPriorityAsync("queued", new TaskPriority(PriorityClass.Online)))).Message);
        Assert.StartsWith("priority.level must be 0..1000", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetPriorityAsync("queued", new TaskPriority(PriorityClass.Offline, 1001)))).Message);
        Assert.Null(await pool.Client.SetPriorityAsync("nope", new TaskPriority(PriorityClass.Offline, 1)));

        var queued = (await pool.Client.GetAsync("queued"))!;
        Assert.Equal(queued.Version, (await pool.Client.SetPriorityAsync("queued", queued.Spec.Priority))!.Version);
        Assert.Equal(running.Version, (await pool.Client.GetAsync("running"))!.Version);
    }

    [Fact]
    public async Task A_running_task_raised_is_the_one_its_card_keeps_running_when_online_work_is_busy()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.Zero });
        foreach (var id in new[] { "a", "b" })
        {
            await pool.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9, name: id), id);
            await pool.WaitForAsync(id, TaskState.Running);
        }

        // Busy online work leaves half the card: of two equals, the earlier id runs and the other pauses.
        await using (await lease.BeginRequestAsync())
        {
            await pool.WaitForAsync("b", TaskState.Suspended);
            Assert.Equal(TaskState.Running, await pool.StateOf("a"));

            var raised = await pool.Client.SetPriorityAsync("b", new TaskPriority(PriorityClass.Offline, 5));
            Assert.Equal((1, "Offline/5"), (raised!.Generation, raised.Spec.Priority.ToString()));
            await pool.WaitForAsync("b", TaskState.Running);
            await pool.WaitForAsync("a", TaskState.Suspended);
            Assert.Equal(new TaskPriority(PriorityClass.Offline, 5),
                Assert.Single(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices, s => s.TaskId == "b").Priority);
        }

        // Online work quiet again: both run.
        await pool.WaitForAsync("a", TaskState.Running);
        await pool.AssertConsistentAsync(["a", "b", lease.TaskId]);
    }

    [Fact]
    public async Task A_running_task_lowered_below_a_waiting_class_is_evicted_for_it()
    {
        // The scheduler's periodic re-read of its nodes put off: only the node's own word tells it of the change.
        await using var pool = await StartAsync([Node("n0", gpus: 1)], evictLowerPriority: true, indexResync: TimeSpan.FromHours(1));
        await pool.SubmitAsync(Specs.Training(1, steps: 1_000_000_000), "train");
        await pool.WaitForAsync("train", TaskState.Running);

        // Another training task waits: the same class evicts nothing.
        var waiting = await pool.SubmitAsync(Specs.Training(1, steps: 10, name: "urgent"), "urgent");
        Assert.Equal(TaskState.Pending, waiting.State);

        // Lowered to offline, the running one is what the waiting one may evict: it is, and queues again under the new priority.
        await pool.Client.SetPriorityAsync("train", new TaskPriority(PriorityClass.Offline));
        await pool.WaitForAsync("urgent", TaskState.Running);
        var evicted = await pool.Client.GetAsync("train");
        Assert.Equal((TaskState.Pending, 2L, PriorityClass.Offline), (evicted!.State, evicted.Generation, evicted.Spec.Priority.Class));
        await pool.AssertConsistentAsync(["train", "urgent"]);
    }
}
