using Orion.Client;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A tenant's quota bounds what its live tasks ask together: over it a task waits in its tenant's line (or, when it asked
/// to fail rather than wait, is refused and leaves nothing), and a task that ends makes room for the line.
/// </summary>
public sealed class TenantQuotaTests
{
    private static TaskSpec Long(string tenant, double computePercent, long gpuMemoryMiB = 4096, bool failFast = false)
    {
        var spec = Specs.Batch(computePercent: computePercent, gpuMemoryMiB: gpuMemoryMiB, items: 1, gpuMsPerItem: 1e9, tenant: tenant);
        return spec with { Constraints = spec.Constraints with { FailIfUnplaceable = failFast } };
    }

    [Fact]
    public async Task A_task_over_the_quota_waits_in_its_tenants_line_in_no_queue_and_runs_once_a_task_of_its_tenant_ends()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 0, 0, 0), await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100)));
        await pool.SubmitAsync(Long("search", 60), "a");

        var waiting = await pool.SubmitAsync(Long("search", 50), "b");
        Assert.Equal((TaskState.Pending, "tenant 'search' would pass its quota of gpuPercent 100: 60 in use + 50 asked"), (waiting.State, waiting.QuotaWait));
        Assert.Null(waiting.QueuedIn);
        Assert.DoesNotContain("b", (await pool.SchedulerSnapshot()).Queue);
        await pool.SubmitAsync(Long("search", 50), "e");

        // Another tenant is not bound by it, and a smaller task that fits passes the line.
        await pool.SubmitAsync(Long("ads", 50), "c");
        Assert.Null((await pool.SubmitAsync(Long("search", 40), "d")).QuotaWait);
        await pool.WaitForAsync("d", TaskState.Running);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 100, 8192, 2, 2), await pool.Client.GetTenantAsync("search"));

        // A waiting task cancelled leaves the line uncharged; one that ends frees room for the next in line.
        Assert.Equal(TaskState.Cancelled, (await pool.Client.CancelAsync("b"))!.State);
        await pool.Client.CancelAsync("a");
        var admitted = await pool.WaitForAsync("e", TaskState.Running);
        Assert.Null(admitted.QuotaWait);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 90, 8192, 2, 0), await pool.Client.GetTenantAsync("search"));
        await pool.AssertConsistentAsync(["a", "b", "c", "d", "e"]);

        // The event feed tells the story: both waited, e was admitted from the line.
        await pool.EventuallyAsync(async () =>
        {
            var quota = (await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100)).Where(e => e.Kind.StartsWith("quota-", StringComparison.Ordinal));
            Assert.Equal(["quota-wait b", "quota-wait e", "quota-admit e"], quota.Select(e => $"{e.Kind} {e.TaskId}"));
            Assert.All(quota, e => Assert.Equal("tenant search", e.Where));
        });
    }

    [Fact]
    public async Task A_scheduled_task_is_charged_only_while_its_window_is_open_and_waits_for_room_when_it_opens()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100));
        var nightly = Long("search", 60) with { Schedule = ScheduleSpec.Daily("30 22 * * *", TimeSpan.FromHours(1)) };

        // Asleep until its window (the pool's clock starts at 22:00), it holds nothing: a day task takes the room.
        var scheduled = await pool.SubmitAsync(nightly, "nightly");
        Assert.Equal((TaskState.Scheduled, null, new DateTimeOffset(2026, 11, 29, 22, 30, 0, TimeSpan.Zero)), (scheduled.State, scheduled.QuotaWait, scheduled.WindowOpensAt));
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 0, 0, 0, 0), await pool.Client.GetTenantAsync("search"));
        Assert.Null((await pool.SubmitAsync(Long("search", 50), "day")).QuotaWait);

        // Its window opens with the room taken: it waits in line, in no queue, until the day task ends.
        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.EventuallyAsync(async () => Assert.Equal((TaskState.Pending, "tenant 'search' would pass its quota of gpuPercent 100: 50 in use + 60 asked"),
            ((await pool.Client.GetAsync("nightly"))!.State, (await pool.Client.GetAsync("nightly"))!.QuotaWait)));
        Assert.DoesNotContain("nightly", (await pool.SchedulerSnapshot()).Queue);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 50, 4096, 1, 1), await pool.Client.GetTenantAsync("search"));
        await pool.Client.CancelAsync("day");
        Assert.Equal(1, (await pool.WaitForAsync("nightly", TaskState.Running)).Occurrence);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 60, 4096, 1, 0), await pool.Client.GetTenantAsync("search"));

        // Its window closes: asleep again, charged nothing, and the room is another task's.
        pool.Advance(TimeSpan.FromHours(1));
        var asleep = await pool.WaitForAsync("nightly", TaskState.Scheduled);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 22, 30, 0, TimeSpan.Zero), asleep.WindowOpensAt);
        await pool.EventuallyAsync(async () => Assert.Equal(new TenantUsage("search", new TenantQuota(100), 0, 0, 0, 0), await pool.Client.GetTenantAsync("search")));
        Assert.Null((await pool.SubmitAsync(Long("search", 50), "day2")).QuotaWait);

        // Running first: a task its daemon has started may still be Placing in its grain, which the check would find amiss.
        await pool.WaitForAsync("day2", TaskState.Running);
        await pool.AssertConsistentAsync(["nightly", "day", "day2"]);
    }

    [Fact]
    public async Task A_scheduled_task_still_waiting_for_room_when_its_window_closes_leaves_the_line_until_the_next()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 1));
        await pool.SubmitAsync(Long("search", 50), "a");
        await pool.SubmitAsync(Long("search", 50) with { Schedule = ScheduleSpec.Daily("30 22 * * *", TimeSpan.FromHours(1)) }, "nightly");

        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.EventuallyAsync(async () => Assert.NotNull((await pool.Client.GetAsync("nightly"))!.QuotaWait));
        pool.Advance(TimeSpan.FromHours(1));
        var asleep = await pool.WaitForAsync("nightly", TaskState.Scheduled);
        Assert.Null(asleep.QuotaWait);
        await pool.EventuallyAsync(async () => Assert.Equal(new TenantUsage("search", new TenantQuota(Tasks: 1), 50, 4096, 1, 0), await pool.Client.GetTenantAsync("search")));

        // The room that frees meanwhile is not kept for it: another task takes it.
        await pool.Client.CancelAsync("a");
        await pool.WaitForAsync("nightly", TaskState.Scheduled);
        Assert.Null((await pool.SubmitAsync(Long("search", 50), "b")).QuotaWait);
        Assert.Equal(TaskState.Scheduled, (await pool.Client.GetAsync("nightly"))!.State);

        // It waited once, in its window: submitted while asleep, it joined no line.
        await pool.EventuallyAsync(async () =>
        {
            var quota = (await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100)).Where(e => e.Kind.StartsWith("quota-", StringComparison.Ordinal));
            Assert.Equal(["quota-wait nightly"], quota.Select(e => $"{e.Kind} {e.TaskId}"));
        });
    }

    [Fact]
    public async Task An_online_lease_over_the_quota_is_acquired_once_room_frees()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("online", new TenantQuota(GpuPercent: 50));
        await pool.SubmitAsync(Specs.Service(computePercent: 40), "first");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var acquiring = pool.Client.AcquireAsync(Specs.Service(computePercent: 30), new LeaseOptions { TaskId = "second" }, cts.Token);
        await pool.EventuallyAsync(async () => Assert.NotNull((await pool.Client.GetAsync("second"))?.QuotaWait));
        Assert.False(acquiring.IsCompleted);

        await pool.Client.CancelAsync("first");
        await using var lease = await acquiring;
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("second"))!.State);
    }

    [Fact]
    public async Task A_task_that_asked_to_fail_rather_than_wait_or_asks_more_than_the_whole_quota_is_refused_naming_the_limit()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100));
        await pool.SubmitAsync(Long("search", 60), "a");

        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 50, failFast: true), "b"));
        Assert.Equal(new ValidationError("tenant", "'search' would pass its quota of gpuPercent 100: 60 in use + 50 asked"), Assert.Single(refused.Errors));
        Assert.Null(await pool.Client.GetAsync("b"));

        var never = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Specs.Training(2) with { Tenant = "search" }, "huge"));
        Assert.Equal("'search' has a quota of gpuPercent 100: the task asks 200, more than all of it", Assert.Single(never.Errors).Rule);
        Assert.Null(await pool.Client.GetAsync("huge"));

        // A scheduled task, charged only in its windows, is still refused at submit when no window could ever take it.
        var nightly = Specs.Training(2) with { Tenant = "search", Schedule = ScheduleSpec.Daily("30 22 * * *", TimeSpan.FromHours(1)) };
        never = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(nightly, "nightly"));
        Assert.Equal("'search' has a quota of gpuPercent 100: the task asks 200, more than all of it", Assert.Single(never.Errors).Rule);
        Assert.Null(await pool.Client.GetAsync("nightly"));
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 60, 4096, 1), await pool.Client.GetTenantAsync("search"));
    }

    [Fact]
    public async Task Concurrent_submits_never_pass_the_quota_together_and_the_line_fills_what_ending_tasks_free()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 300, Tasks: 10));
        var ids = Enumerable.Range(0, 16).Select(i => $"t{i}").ToArray();
        await Task.WhenAll(ids.Select(id => pool.SubmitAsync(Long("search", 40), id)));

        // 300 / 40 = 7 tasks admitted, the other 9 in line; the charges are exactly the admitted tasks' requests.
        async Task<(string[] Admitted, string[] Waiting)> Split()
        {
            var all = await pool.Client.ListAsync(new TaskQuery(Tenant: "search"));
            var live = all.Where(t => !t.State.IsTerminal()).ToArray();
            return ([.. live.Where(t => t.QuotaWait is null).Select(t => t.TaskId)], [.. live.Where(t => t.QuotaWait is not null).Select(t => t.TaskId)]);
        }

        var (admitted, waiting) = await Split();
        Assert.Equal((7, 9), (admitted.Length, waiting.Length));
        Assert.Equal(new TenantUsage("search", new TenantQuota(300, null, 10), 280, 7 * 4096, 7, 9), await pool.Client.GetTenantAsync("search"));
        foreach (var id in waiting)
        {
            Assert.Equal(TaskState.Pending, await pool.StateOf(id));
        }

        await Task.WhenAll(admitted.Take(3).Select(id => pool.Client.CancelAsync(id)));
        await pool.EventuallyAsync(async () =>
        {
            var (nowAdmitted, nowWaiting) = await Split();
            Assert.Equal((7, 6), (nowAdmitted.Length, nowWaiting.Length));
            Assert.Equal(new TenantUsage("search", new TenantQuota(300, null, 10), 280, 7 * 4096, 7, 6), await pool.Client.GetTenantAsync("search"));
        });
        await pool.EventuallyAsync(async () =>
        {
            var (nowAdmitted, _) = await Split();
            foreach (var id in nowAdmitted)
            {
                Assert.Equal(TaskState.Running, await pool.StateOf(id));
            }
        });
        await pool.AssertConsistentAsync(ids);
    }

    [Fact]
    public async Task A_job_array_is_admitted_task_by_task()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 2));

        // Waiting: every task is submitted, two admitted and three in line.
        var queued = await pool.Client.SubmitManyAsync([.. Enumerable.Range(0, 5).Select(i => new TaskSubmission(Long("search", 10), $"job-{i}"))]);
        Assert.Equal((2, 3), (queued.Count(t => t.QuotaWait is null), queued.Count(t => t.QuotaWait is not null)));

        // Failing fast: the refused entries are named, and only the admitted ones exist.
        await pool.Client.SetQuotaAsync("ads", new TenantQuota(Tasks: 2));
        var array = Enumerable.Range(0, 5).Select(i => new TaskSubmission(Long("ads", 10, failFast: true), $"ads-{i}")).ToArray();
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitManyAsync(array));
        Assert.Equal(3, refused.Errors.Length);
        Assert.All(refused.Errors, e => Assert.Matches(@"^tasks\[[0-4]\]\.tenant$", e.Field));
        Assert.Equal(2, (await pool.Client.ListAsync(new TaskQuery(Tenant: "ads"))).Count);
    }

    [Fact]
    public async Task A_first_quota_counts_the_tasks_already_live()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Long("search", 50), "a");
        await pool.SubmitAsync(Long("search", 50, gpuMemoryMiB: 1000), "b");
        await pool.SubmitAsync(Long("search", 10), "done");
        await pool.Client.CancelAsync("done");

        // Without a quota the usage is what the catalogue lists live.
        Assert.Equal(new TenantUsage("search", null, 100, 5096, 2), await pool.Client.GetTenantAsync("search"));
        Assert.Equal(new TenantUsage("search", new TenantQuota(120), 100, 5096, 2), await pool.Client.SetQuotaAsync("search", new TenantQuota(120)));
        await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 30, failFast: true), "c"));
        await pool.SubmitAsync(Long("search", 20), "d");

        // Lowered below what is live: the live tasks run on, new ones wait for room.
        await pool.Client.SetQuotaAsync("search", new TenantQuota(50));
        Assert.Equal(TaskState.Running, (await pool.WaitForAsync("a", TaskState.Running)).State);
        Assert.NotNull((await pool.SubmitAsync(Long("search", 0.1), "e")).QuotaWait);

        // Removed: nothing is counted against the tenant, and the line is admitted.
        Assert.Null((await pool.Client.SetQuotaAsync("search", null)).Quota);
        Assert.Null((await pool.WaitForAsync("e", TaskState.Running)).QuotaWait);
    }

    [Fact]
    public async Task A_quota_lowered_below_what_a_waiting_task_asks_fails_it_and_leaves_running_work_alone()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100, Tasks: 1));
        await pool.SubmitAsync(Long("search", 60), "a");
        await pool.SubmitAsync(Long("search", 50), "b");
        await pool.SubmitAsync(Long("search", 30), "c");

        var lowered = await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 40, Tasks: 1));
        var failed = await pool.WaitForAsync("b", TaskState.Failed);
        Assert.Equal("tenant 'search' has a quota of gpuPercent 40: the task asks 50, more than all of it", failed.ExitReason);
        Assert.Equal(TaskState.Running, (await pool.WaitForAsync("a", TaskState.Running)).State);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("c"))!.State);
        Assert.NotNull((await pool.Client.GetAsync("c"))!.QuotaWait);
        Assert.Equal((60.0, 1, 1), (lowered.GpuPercent, lowered.Tasks, lowered.Waiting));
    }

    [Fact]
    public async Task A_lost_release_is_found_by_a_recheck_before_anyone_waits()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], faults: faults);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(100));
        await pool.SubmitAsync(Long("search", 100), "a");

        faults.FailNext("ITenantGrain.Release", "search");
        await pool.Client.CancelAsync("a");
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(0, faults.StillToFail("ITenantGrain.Release", "search"));
            return Task.CompletedTask;
        });
        Assert.Equal(1, (await pool.Client.GetTenantAsync("search")).Tasks);

        Assert.Null((await pool.SubmitAsync(Long("search", 100), "b")).QuotaWait);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 100, 4096, 1), await pool.Client.GetTenantAsync("search"));

        // Rechecks are spaced out, so a burst over the quota asks the charged tasks once: a second lost release is found
        // by the first ask after the interval (here a retried submit; the waiting task's reminder does the same).
        faults.FailNext("ITenantGrain.Release", "search");
        await pool.Client.CancelAsync("b");
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(0, faults.StillToFail("ITenantGrain.Release", "search"));
            return Task.CompletedTask;
        });
        Assert.NotNull((await pool.SubmitAsync(Long("search", 100), "c")).QuotaWait);
        pool.Advance(Orion.Grains.TenantGrain.RecheckInterval);
        await pool.SubmitAsync(Long("search", 100), "c");
        Assert.Null((await pool.WaitForAsync("c", TaskState.Running)).QuotaWait);
    }

    [Fact]
    public async Task A_lost_release_is_found_within_a_minute_on_its_own_and_the_line_admitted()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], faults: faults);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 1));
        await pool.SubmitAsync(Long("search", 50), "a");
        await pool.SubmitAsync(Long("search", 50), "b");

        faults.FailNext("ITenantGrain.Release", "search");
        await pool.Client.CancelAsync("a");
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(0, faults.StillToFail("ITenantGrain.Release", "search"));
            return Task.CompletedTask;
        });
        Assert.Equal((1, 1), ((await pool.Client.GetTenantAsync("search")).Tasks, (await pool.Client.GetTenantAsync("search")).Waiting));

        // No new submit comes; the tenant's own look a minute later finds the ended task and admits the line.
        pool.Advance(Orion.Grains.TenantGrain.RecheckTickInterval);
        Assert.Null((await pool.WaitForAsync("b", TaskState.Running)).QuotaWait);
    }

    [Fact]
    public async Task A_lost_word_from_the_tenant_is_made_up_when_the_waiting_task_asks_again()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], faults: faults, queueRecovery: true);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 1));
        await pool.SubmitAsync(Long("search", 50), "a");
        await pool.SubmitAsync(Long("search", 50), "b");
        Assert.Contains("queue", await pool.RemindersOf("b"));

        faults.FailNext("IVGpuTaskGrain.OnAdmitted", "b");
        await pool.Client.CancelAsync("a");
        await pool.EventuallyAsync(async () =>
        {
            Assert.Equal(0, faults.StillToFail("IVGpuTaskGrain.OnAdmitted", "b"));
            Assert.Equal(new TenantUsage("search", new TenantQuota(Tasks: 1), 50, 4096, 1, 0), await pool.Client.GetTenantAsync("search"));
        });
        Assert.NotNull((await pool.Client.GetAsync("b"))!.QuotaWait);

        // What the reminder does each minute, and a retried submit too: ask again, find it admitted, queue it.
        await pool.SubmitAsync(Long("search", 50), "b");
        Assert.Null((await pool.WaitForAsync("b", TaskState.Running)).QuotaWait);
    }

    [Fact]
    public async Task The_quota_its_charges_and_its_line_outlive_the_tenant_grains_activation()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuMemoryMiB: 8192));
        await pool.SubmitAsync(Long("search", 30, gpuMemoryMiB: 6000), "a");
        await pool.SubmitAsync(Long("search", 30, gpuMemoryMiB: 3000), "b");
        await pool.Grains.GetGrain<ITenantGrain>("search").Cast<IGrainManagementExtension>().DeactivateOnIdle();

        Assert.Equal(new TenantUsage("search", new TenantQuota(GpuMemoryMiB: 8192), 30, 6000, 1, 1), await pool.Client.GetTenantAsync("search"));
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 30, gpuMemoryMiB: 3000, failFast: true), "c"));
        Assert.Equal("'search' would pass its quota of gpuMemoryMiB 8192: 6000 in use + 3000 asked", Assert.Single(refused.Errors).Rule);

        await pool.Client.CancelAsync("a");
        await pool.WaitForAsync("b", TaskState.Running);
    }

    [Fact]
    public async Task A_priority_cap_refuses_work_above_it_at_submit_deploy_and_priority_change_and_leaves_running_work_alone()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var chat = Specs.Service(name: "chat") with { Tenant = "search" };
        await pool.SubmitAsync(chat, "chat-early");
        await pool.WaitForAsync("chat-early", TaskState.Running);

        var capped = await pool.Client.SetQuotaAsync("search", new TenantQuota(MaxPriority: PriorityClass.Training));
        Assert.Equal(PriorityClass.Training, capped.Quota!.MaxPriority);

        // Above the cap: refused at submit, naming the rule, leaving nothing; a deployment refused when deployed.
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(chat, "chat-late"));
        Assert.Equal(
            new ValidationError("priority", "may be at most training for tenant 'search' (its quota's maxPriority), not online"),
            Assert.Single(refused.Errors));
        Assert.Null(await pool.Client.GetAsync("chat-late"));
        var deploy = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.DeployAsync("chat", chat, 2));
        Assert.Equal("template.priority", Assert.Single(deploy.Errors).Field);
        Assert.Null(await pool.Client.GetDeploymentAsync("chat"));

        // At or below it: as before. Another tenant is not bound by it, and what ran before the cap runs on.
        await pool.SubmitAsync(Long("search", 40) with { Priority = new TaskPriority(PriorityClass.Training) }, "train");
        await pool.SubmitAsync(Specs.Service(name: "ads-chat") with { Tenant = "ads" }, "ads-chat");
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("chat-early"))!.State);

        // A change of priority above the cap is refused; below it, taken.
        await pool.Client.SetQuotaAsync("search", new TenantQuota(MaxPriority: PriorityClass.Offline));
        await pool.SubmitAsync(Long("search", 10), "offline");
        var raise = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetPriorityAsync("offline", new TaskPriority(PriorityClass.Training)));
        Assert.StartsWith("priority may be at most offline for tenant 'search' (its quota's maxPriority), not training", raise.Message);
        Assert.Equal(PriorityClass.Offline, (await pool.Client.GetAsync("offline"))!.Spec.Priority.Class);
        Assert.Equal(PriorityClass.Offline, (await pool.Client.SetPriorityAsync("train", new TaskPriority(PriorityClass.Offline, 3)))!.Spec.Priority.Class);
        Assert.Equal(new TaskPriority(PriorityClass.Offline, 7), (await pool.Client.SetPriorityAsync("offline", new TaskPriority(PriorityClass.Offline, 7)))!.Spec.Priority);
        await pool.AssertConsistentAsync(["chat-early", "train", "ads-chat", "offline"]);
    }

    [Fact]
    public async Task A_task_waiting_in_line_above_a_lowered_priority_cap_fails_saying_so()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 1));
        await pool.SubmitAsync(Long("search", 30), "a");

        // d waits as training and is lowered to offline: the cap is checked against the class it has now. (Ahead of b in
        // line, so it would be refused before b.)
        await pool.SubmitAsync(Long("search", 30) with { Priority = new TaskPriority(PriorityClass.Training) }, "d");
        await pool.Client.SetPriorityAsync("d", new TaskPriority(PriorityClass.Offline));
        await pool.SubmitAsync(Long("search", 30) with { Priority = new TaskPriority(PriorityClass.Training) }, "b");
        await pool.SubmitAsync(Long("search", 30), "c");

        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 1, MaxPriority: PriorityClass.Offline));
        var failed = await pool.WaitForAsync("b", TaskState.Failed);
        Assert.Equal("priority may be at most offline for tenant 'search' (its quota's maxPriority), not training", failed.ExitReason);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("c"))!.State);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("d"))!.State);
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("a"))!.State);
    }

    [Fact]
    public async Task The_pools_default_quota_binds_every_tenant_without_its_own_until_an_admin_gives_it_one()
    {
        await using var pool = await TestPool.StartAsync([Node("n0", gpus: 2)], extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Pool:DefaultQuota:Tasks"] = "1",
            ["Orion:Pool:DefaultQuota:MaxPriority"] = "training",
        });

        // A tenant the pool has never heard of: one live task, and no online work.
        await pool.SubmitAsync(Long("newcomer", 20), "first");
        var second = await pool.SubmitAsync(Long("newcomer", 20), "second");
        Assert.Equal("tenant 'newcomer' would pass its quota of 1 live tasks: 1 live", second.QuotaWait);
        var online = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Specs.Service() with { Tenant = "newcomer" }, "chat"));
        Assert.Equal("priority", Assert.Single(online.Errors).Field);
        var usage = await pool.Client.GetTenantAsync("newcomer");
        Assert.Equal((new TenantQuota(Tasks: 1, MaxPriority: PriorityClass.Training), true, 1, 1), (usage.Quota, usage.QuotaIsDefault, usage.Tasks, usage.Waiting));

        // A weight of its own keeps the default's limits.
        var weighted = await pool.Client.SetQuotaAsync("newcomer", new TenantQuota(Weight: 2));
        Assert.Equal((new TenantQuota(Tasks: 1, Weight: 2, MaxPriority: PriorityClass.Training), true), (weighted.Quota, weighted.QuotaIsDefault));

        // Limits of its own replace the default: the line is admitted and online work is its to run.
        var own = await pool.Client.SetQuotaAsync("newcomer", new TenantQuota(Tasks: 5));
        Assert.Equal((new TenantQuota(Tasks: 5), false), (own.Quota, own.QuotaIsDefault));
        await pool.WaitForAsync("second", TaskState.Running);
        await pool.SubmitAsync(Specs.Service() with { Tenant = "newcomer" }, "chat");

        // Removed: the default binds again (what runs, runs on; a waiting task above its cap would fail).
        var cleared = await pool.Client.SetQuotaAsync("newcomer", null);
        Assert.Equal((new TenantQuota(Tasks: 1, MaxPriority: PriorityClass.Training), true, 3), (cleared.Quota, cleared.QuotaIsDefault, cleared.Tasks));
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(Long("newcomer", 10), "third")).State);
        Assert.NotNull((await pool.Client.GetAsync("third"))!.QuotaWait);
    }

    [Fact]
    public async Task The_pools_default_quota_is_set_live_and_each_tenant_without_its_own_takes_it_as_a_change_of_its_own()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)], settingsMaxAge: TimeSpan.Zero);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 5));
        await pool.SubmitAsync(Long("newcomer", 20), "a");
        await pool.SubmitAsync(Long("newcomer", 20), "b");
        var before = await pool.Client.GetSettingsAsync();
        Assert.Null(before.DefaultQuota);

        // Set: the newcomer's live tasks are charged from now on, and its next waits.
        var set = await pool.Client.SetDefaultQuotaAsync(new TenantQuota(GpuPercent: 100, Tasks: 2));
        Assert.Equal((new TenantQuota(GpuPercent: 100, Tasks: 2), before.Version + 1), (set.DefaultQuota, set.Version));
        Assert.NotNull(set.ChangedAt);
        Assert.Equal("tenant 'newcomer' would pass its quota of 2 live tasks: 2 live", (await pool.SubmitAsync(Long("newcomer", 20), "c")).QuotaWait);
        var usage = await pool.Client.GetTenantAsync("newcomer");
        Assert.Equal((new TenantQuota(GpuPercent: 100, Tasks: 2), true, 2, 1), (usage.Quota, usage.QuotaIsDefault, usage.Tasks, usage.Waiting));

        // A tenant with a quota of its own is not bound by it.
        foreach (var id in new[] { "s1", "s2", "s3" })
        {
            Assert.Null((await pool.SubmitAsync(Long("search", 10), id)).QuotaWait);
        }

        // Raised: the line is admitted at the tenant's next recheck (a minute of the pool's clock), with no call of its own.
        await pool.Client.SetDefaultQuotaAsync(new TenantQuota(GpuPercent: 100, Tasks: 4));
        pool.Advance(Orion.Grains.TenantGrain.RecheckTickInterval);
        Assert.Null((await pool.WaitForAsync("c", TaskState.Running)).QuotaWait);

        // Cut below what a waiting task asks: it fails, saying why; what runs runs on.
        Assert.NotNull((await pool.SubmitAsync(Long("newcomer", 50), "d")).QuotaWait);
        await pool.Client.SetDefaultQuotaAsync(new TenantQuota(GpuPercent: 40, Tasks: 4));
        Assert.Equal(3, (await pool.Client.GetTenantAsync("newcomer")).Tasks);
        var failed = await pool.WaitForAsync("d", TaskState.Failed);
        Assert.Contains("gpuPercent 40", failed.ExitReason);
        Assert.All(await Task.WhenAll(new[] { "a", "b", "c" }.Select(pool.StateOf)), state => Assert.Equal(TaskState.Running, state));

        // Cleared: unbounded again.
        Assert.Null((await pool.Client.SetDefaultQuotaAsync(null)).DefaultQuota);
        var free = await pool.Client.GetTenantAsync("newcomer");
        Assert.Equal((null, false), (free.Quota, free.QuotaIsDefault));
        Assert.Null((await pool.SubmitAsync(Long("newcomer", 10), "e")).QuotaWait);
        foreach (var id in new[] { "e", "s1", "s2", "s3" })
        {
            await pool.WaitForAsync(id, TaskState.Running);
        }

        await pool.AssertConsistentAsync(["a", "b", "c", "d", "e", "s1", "s2", "s3"]);
    }

    [Fact]
    public async Task A_bad_default_quota_is_refused_naming_the_field_and_the_configurations_stands_until_one_is_set_live()
    {
        await using var pool = await TestPool.StartAsync([Node("n0", gpus: 1)], settingsMaxAge: TimeSpan.Zero, extraSettings: new Dictionary<string, string?> { ["Orion:Pool:DefaultQuota:Tasks"] = "1" });

        // Another setting changed live does not hide the configuration's default.
        var changed = await pool.Client.UpdateSettingsAsync(policy: "best-fit");
        Assert.Equal(("best-fit", new TenantQuota(Tasks: 1)), (changed.Policy, changed.DefaultQuota));

        var sdk = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetDefaultQuotaAsync(new TenantQuota(Tasks: -1, Weight: 2)));
        Assert.Equal("quota.tasks must not be negative; quota.weight is each tenant's own: a default quota has none (Parameter 'quota.tasks')", sdk.Message);
        var grain = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<IPoolSettingsGrain>(GrainKeys.Pool).SetDefaultQuota(new TenantQuota(GpuPercent: -5)));
        Assert.StartsWith("quota.gpuPercent must be 0 to", grain.Message);
        Assert.Equal((changed.Version, new TenantQuota(Tasks: 1)), ((await pool.Client.GetSettingsAsync()).Version, (await pool.Client.GetSettingsAsync()).DefaultQuota));

        // Set live, it stands over the configuration's, null too.
        Assert.Null((await pool.Client.SetDefaultQuotaAsync(null)).DefaultQuota);
        Assert.Null((await pool.Client.GetSettingsAsync()).DefaultQuota);
        Assert.Null((await pool.SubmitAsync(Long("newcomer", 10), "a")).QuotaWait);
        Assert.Null((await pool.SubmitAsync(Long("newcomer", 10), "b")).QuotaWait);
    }

    [Fact]
    public async Task Online_services_over_their_own_limit_wait_while_offline_work_uses_the_rest_of_the_quota()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 200, OnlineGpuPercent: 40));
        var chat = Specs.Service(computePercent: 30, gpuMemoryMiB: 2048, name: "chat") with { Tenant = "search" };
        await pool.SubmitAsync(chat, "chat-1");
        var second = await pool.SubmitAsync(chat, "chat-2");
        Assert.Equal("tenant 'search' would pass its quota of onlineGpuPercent 40: 30 in use + 30 asked", second.QuotaWait);
        Assert.Null((await pool.SubmitAsync(Long("search", 100), "batch")).QuotaWait);
        var usage = await pool.Client.GetTenantAsync("search");
        Assert.Equal((130.0, 30.0, 1), (usage.GpuPercent, usage.OnlineGpuPercent, usage.Waiting));

        // The first service ends: the second is admitted from the line.
        await pool.Client.CancelAsync("chat-1");
        Assert.Null((await pool.WaitForAsync("chat-2", TaskState.Running)).QuotaWait);
        await pool.AssertConsistentAsync(["chat-1", "chat-2", "batch"]);
    }

    [Fact]
    public async Task Bad_quotas_and_tenants_are_refused_naming_the_field_and_change_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 5));

        var percent = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: -1)));
        Assert.StartsWith("quota.gpuPercent must be 0 to", percent.Message);
        var blank = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetQuotaAsync(" ", new TenantQuota(1)));
        Assert.Equal("tenant", blank.ParamName);

        // Past the SDK, the grain keeps the same rules.
        var direct = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<ITenantGrain>("search").SetQuota(new TenantQuota(Tasks: -1)));
        Assert.StartsWith("quota.tasks must not be negative", direct.Message);
        var cap = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<ITenantGrain>("search").SetQuota(new TenantQuota(MaxPriority: (PriorityClass)7)));
        Assert.StartsWith("quota.maxPriority must be offline, training or online, not 7", cap.Message);
        Assert.Equal(new TenantQuota(Tasks: 5), (await pool.Client.GetTenantAsync("search")).Quota);

        // Under a memory limit a whole card must say how much of its memory it takes, waiting or not.
        await pool.Client.SetQuotaAsync("research", new TenantQuota(GpuMemoryMiB: 100_000));
        var whole = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Specs.Training(1) with { Tenant = "research" }, "w"));
        Assert.Equal("resources.gpuMemoryMiB", Assert.Single(whole.Errors).Field);
        Assert.Null(await pool.Client.GetAsync("w"));
    }

    [Fact]
    public async Task A_quota_that_storage_refused_is_not_in_force_and_admissions_write_nothing()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], storage: storage);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(100));

        // Admissions are kept in memory (rebuilt from the catalogue), so a storage that refuses writes does not stop them.
        storage.FailWrites("search");
        await pool.SubmitAsync(Long("search", 60), "a");
        await pool.SubmitAsync(Long("search", 50), "b");
        Assert.Equal((1, 1), ((await pool.Client.GetTenantAsync("search")).Tasks, (await pool.Client.GetTenantAsync("search")).Waiting));
        Assert.Equal(0, storage.FailedWrites);

        // A new quota is: refused, the old one stays in force.
        await Assert.ThrowsAnyAsync<Exception>(() => pool.Client.SetQuotaAsync("search", new TenantQuota(200)));
        Assert.Equal(new TenantQuota(100), (await pool.Client.GetTenantAsync("search")).Quota);
        Assert.NotNull((await pool.Client.GetAsync("b"))!.QuotaWait);
        storage.Heal();
        await pool.Client.SetQuotaAsync("search", new TenantQuota(200));
        await pool.WaitForAsync("b", TaskState.Running);
    }
}
