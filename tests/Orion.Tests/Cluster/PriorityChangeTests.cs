using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Changing the priority of a task that has not started (<see cref="Orion.Client.OrionClient.SetPriorityAsync"/>).</summary>
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
    public async Task A_started_task_a_gang_member_or_a_change_to_online_is_refused_and_the_rules_of_a_priority_hold()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Whole(), "running");
        var running = await pool.WaitForAsync("running", TaskState.Running);
        await pool.SubmitAsync(Whole(), "queued");
        await pool.SubmitAsync(Specs.Training(1) with { Gang = new GangSpec("g", 2) }, "g-0");

        Assert.Equal("task running is Running: only a task that has not started can change its priority (its cards arbitrate by the one it started with)",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.SetPriorityAsync("running", new TaskPriority(PriorityClass.Offline, 1)))).Message);
        Assert.Contains("member of gang g", (await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.SetPriorityAsync("g-0", new TaskPriority(PriorityClass.Training, 1)))).Message);
        Assert.Contains("to or from online", (await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.SetPriorityAsync("queued", new TaskPriority(PriorityClass.Online)))).Message);
        Assert.StartsWith("priority.level must be 0..1000", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetPriorityAsync("queued", new TaskPriority(PriorityClass.Offline, 1001)))).Message);
        Assert.Null(await pool.Client.SetPriorityAsync("nope", new TaskPriority(PriorityClass.Offline, 1)));

        var queued = (await pool.Client.GetAsync("queued"))!;
        Assert.Equal(queued.Version, (await pool.Client.SetPriorityAsync("queued", queued.Spec.Priority))!.Version);
        Assert.Equal(running.Version, (await pool.Client.GetAsync("running"))!.Version);
    }
}
