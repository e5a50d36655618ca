using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Planned maintenance windows on the fake clock: notice, cordon and drain at the start, open again at the end.</summary>
public sealed class MaintenanceTests
{
    private static TaskSpec Long(double computePercent, TimeSpan? maxRuntime = null) =>
        Specs.Batch(computePercent: computePercent, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e12) with { MaxRuntime = maxRuntime, Restart = RestartPolicy.OnFailure(3) };

    [Fact]
    public async Task A_window_keeps_long_work_off_from_its_notice_cordons_and_drains_the_node_at_its_start_and_opens_it_at_its_end()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        var t0 = pool.Clock.GetUtcNow();

        // Everything lands on n0 while n1 is cordoned.
        await pool.Client.CordonAsync("dc1/n1", "kept free");
        await pool.SubmitAsync(Long(40), "early");
        var early = await pool.WaitForAsync("early", TaskState.Running);
        Assert.Equal("dc1/n0", early.Placement!.NodeId);

        var window = new MaintenanceWindow(t0.AddHours(2), TimeSpan.FromHours(1), "firmware", Drain: true, Notice: TimeSpan.FromHours(1));
        var planned = await pool.Client.ScheduleMaintenanceAsync("dc1/n0", window);
        Assert.Equal([window], planned!.Maintenance);
        Assert.Equal((null, true), (planned.CordonReason, planned.Schedulable));

        // Before the notice, work of any length still starts there.
        await pool.SubmitAsync(Long(20), "early2");
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("early2", TaskState.Running)).Placement!.NodeId);

        // From the notice on, work without a max runtime goes elsewhere; work that ends before the start still comes.
        pool.Advance(TimeSpan.FromHours(1));
        await pool.Client.UncordonAsync("dc1/n1");
        await pool.SubmitAsync(Long(20), "endless");
        Assert.Equal("dc1/n1", (await pool.WaitForAsync("endless", TaskState.Running)).Placement!.NodeId);
        await pool.Client.CordonAsync("dc1/n1", "kept free");
        await pool.SubmitAsync(Long(20, maxRuntime: TimeSpan.FromMinutes(30)), "short");
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("short", TaskState.Running)).Placement!.NodeId);
        await pool.SubmitAsync(Long(10), "waits");
        Assert.Equal(TaskState.Pending, await pool.StateOf("waits"));
        Assert.Equal("0 of 2 nodes take it now: cordoned or without a daemon (1), going into maintenance at 2026-11-30 00:00Z, which its run without a max runtime would reach (1)",
            await pool.Client.WhyWaitingAsync("waits"));

        // The node refuses it itself, whatever a scheduler's view says.
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        var refused = await node.Reserve(new ReservationRequest("direct", 1, ["dc1/n0/0"], 100, 1024, false, 100, 100, new TaskPriority(PriorityClass.Offline), MaxRuntime: TimeSpan.FromMinutes(61)));
        Assert.Equal((false, "node dc1/n0 goes into maintenance at 2026-11-30 00:00Z (firmware): a run of up to 1h1m from now would reach it"), (refused.Accepted, refused.Reason));

        // At the start the node is cordoned, and what it still holds moves to n1 as new placements.
        await pool.Client.UncordonAsync("dc1/n1");
        await pool.WaitForAsync("waits", TaskState.Running);
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () => Assert.Equal("maintenance until 2026-11-30 01:00Z: firmware", (await pool.NodeSnapshot("n0")).CordonReason));
        foreach (var id in new[] { "early", "early2" })
        {
            // Evicted a moment after the cordon shows: until then the task still runs on n0.
            await pool.EventuallyAsync(async () =>
            {
                var moved = (await pool.Client.GetAsync(id))!;
                Assert.Equal((TaskState.Running, "dc1/n1", 0), (moved.State, moved.Placement?.NodeId, moved.Restarts));
                Assert.Equal(("dc1/n0", "evicted from dc1/n0: maintenance: firmware"), (moved.PastRuns![^1].NodeId, moved.PastRuns[^1].Reason));
            });
        }

        await pool.EventuallyAsync(async () => Assert.All((await pool.NodeSnapshot("n0")).Gpus, g => Assert.Empty(g.Slices)));
        Assert.Empty(pool.Backend("n0").Running);
        await pool.EventuallyAsync(async () => Assert.Contains((await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)),
            e => e.Kind == PoolEventKinds.Cordon && e.Where == "dc1/n0" && e.Detail.Contains("maintenance until 2026-11-30 01:00Z: firmware", StringComparison.Ordinal)));

        // At the end it takes work again and the window is gone.
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () =>
        {
            var after = await pool.NodeSnapshot("n0");
            Assert.Equal((null, true, true), (after.CordonReason, after.Schedulable, after.Maintenance.IsDefaultOrEmpty));
        });
        await pool.Client.CordonAsync("dc1/n1", "kept free");
        await pool.SubmitAsync(Long(30), "after");
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("after", TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["early", "early2", "endless", "short", "waits", "after"]);
    }

    [Fact]
    public async Task An_operators_cordon_outlasts_a_window_and_a_window_cancelled_while_in_force_ends_at_once_without_draining_an_undrained_node()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var t0 = pool.Clock.GetUtcNow();
        await pool.SubmitAsync(Long(50), "runs");
        await pool.WaitForAsync("runs", TaskState.Running);

        // Cordoned by an operator before the window: the window neither replaces nor lifts that cordon.
        await pool.Client.ScheduleMaintenanceAsync("dc1/n0", new MaintenanceWindow(t0.AddHours(1), TimeSpan.FromHours(1), "bios"));
        await pool.Client.CordonAsync("dc1/n0", "psu");
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () => Assert.Contains((await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)),
            e => e is { Kind: PoolEventKinds.Maintenance, Where: "dc1/n0" } && e.Detail.Contains("began under an operator's cordon: bios", StringComparison.Ordinal)));
        Assert.Equal("psu", (await pool.NodeSnapshot("n0")).CordonReason);
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () => Assert.True((await pool.NodeSnapshot("n0")).Maintenance.IsDefaultOrEmpty));
        Assert.Equal("psu", (await pool.NodeSnapshot("n0")).CordonReason);
        await pool.Client.UncordonAsync("dc1/n0");

        // A window from now cordons at once; without a drain its task runs on; cancelled, the node takes work at once.
        var now = new MaintenanceWindow(pool.Clock.GetUtcNow(), TimeSpan.FromHours(2), "disk swap");
        var cordoned = await pool.Client.ScheduleMaintenanceAsync("dc1/n0", now);
        Assert.Equal((now.CordonText, false), (cordoned!.CordonReason, cordoned.Schedulable));
        await pool.SubmitAsync(Long(20), "later");
        Assert.Equal(TaskState.Pending, await pool.StateOf("later"));
        Assert.Equal(TaskState.Running, await pool.StateOf("runs"));
        var cancelled = await pool.Client.CancelMaintenanceAsync("dc1/n0", now.Start);
        Assert.Equal((null, true, true), (cancelled!.CordonReason, cancelled.Schedulable, cancelled.Maintenance.IsDefaultOrEmpty));
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("later", TaskState.Running)).Placement!.NodeId);
        Assert.Equal(1, (await pool.Client.GetAsync("runs"))!.Generation);
        await pool.AssertConsistentAsync(["runs", "later"]);
    }

    [Fact]
    public async Task A_repeating_window_cordons_the_node_again_at_each_occurrence_until_cancelled()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var daily = new MaintenanceWindow(pool.Clock.GetUtcNow().AddHours(1), TimeSpan.FromHours(1), "patching", Every: TimeSpan.FromDays(1));
        await pool.Client.ScheduleMaintenanceAsync("dc1/n0", daily);
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () => Assert.Equal(daily.CordonText, (await pool.NodeSnapshot("n0")).CordonReason));

        // At its end the node opens, and the next day's is planned in its place.
        var tomorrow = daily with { Start = daily.Start.AddDays(1) };
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () =>
        {
            var open = await pool.NodeSnapshot("n0");
            Assert.Equal((null, true), (open.CordonReason, open.Schedulable));
            Assert.Equal([tomorrow], open.Maintenance);
        });
        await pool.EventuallyAsync(async () => Assert.Contains((await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)),
            e => e is { Kind: PoolEventKinds.Maintenance, Where: "dc1/n0" } && e.Detail.Contains($"repeats: {tomorrow}", StringComparison.Ordinal)));

        pool.Advance(TimeSpan.FromHours(23));
        await pool.EventuallyAsync(async () => Assert.Equal(tomorrow.CordonText, (await pool.NodeSnapshot("n0")).CordonReason));

        // Cancelled, the series ends.
        var cancelled = await pool.Client.CancelMaintenanceAsync("dc1/n0", tomorrow.Start);
        Assert.Equal((null, true), (cancelled!.CordonReason, cancelled.Maintenance.IsDefaultOrEmpty));
    }

    [Fact]
    public async Task A_window_planned_before_the_check_saw_the_last_one_end_still_takes_that_ones_cordon_off()
    {
        // No lease checks: the node acts on its windows only when one is planned.
        await using var pool = await StartAsync([Node("n0", gpus: 1)], extraSettings: new Dictionary<string, string?> { ["Orion:Pool:LeaseCheckInterval"] = TimeSpan.FromHours(1).ToString() });
        var now = new MaintenanceWindow(pool.Clock.GetUtcNow(), TimeSpan.FromMinutes(10), "swap");
        Assert.Equal(now.CordonText, (await pool.Client.ScheduleMaintenanceAsync("dc1/n0", now))!.CordonReason);

        pool.Advance(TimeSpan.FromMinutes(10));
        var later = new MaintenanceWindow(pool.Clock.GetUtcNow().AddDays(1), TimeSpan.FromMinutes(10), "again");
        var planned = (await pool.Client.ScheduleMaintenanceAsync("dc1/n0", later))!;
        Assert.Equal((null, true), (planned.CordonReason, planned.Schedulable));
        Assert.Equal([later], planned.Maintenance);
    }

    [Fact]
    public async Task A_bad_window_or_cancel_is_refused_naming_the_field_and_the_rule_and_changes_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var t0 = pool.Clock.GetUtcNow();
        var window = new MaintenanceWindow(t0.AddDays(1), TimeSpan.FromHours(4), "kernel");
        await pool.Client.ScheduleMaintenanceAsync("dc1/n0", window);

        async Task Refused(Task call, string parameter, string message)
        {
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => call);
            Assert.Equal((parameter, message), (ex.ParamName, ex.Message.Split(" (Parameter")[0]));
        }

        await Refused(pool.Client.ScheduleMaintenanceAsync("dc1/n0", window with { Start = t0.AddDays(1).AddHours(3) }), "window",
            "start must not overlap another window of the node; 2026-11-30 22:00Z to 2026-12-01 02:00Z (kernel) overlaps it");
        await Refused(pool.Client.ScheduleMaintenanceAsync("dc1/n0", window with { Start = t0.AddHours(-1), Duration = TimeSpan.Zero }), "window",
            "duration must be 1m to 30d; got 0s; start must not be in the past; 2026-11-29 21:00Z is before 2026-11-29 22:00Z");
        await Refused(pool.Client.ScheduleMaintenanceAsync("dc1/nope", window), "nodeId", "nodeId must be a node of the pool (dc/node); 'dc1/nope' is not one");
        await Refused(pool.Client.CancelMaintenanceAsync("dc1/n0", t0), "start",
            "start must be the start of one of node dc1/n0's maintenance windows (2026-11-30 22:00Z); 2026-11-29 22:00Z is not");

        // Sixteen at most.
        for (var i = 2; i <= MaintenanceWindow.MaxPerNode; i++)
        {
            await pool.Client.ScheduleMaintenanceAsync("dc1/n0", window with { Start = t0.AddDays(i) });
        }

        await Refused(pool.Client.ScheduleMaintenanceAsync("dc1/n0", window with { Start = t0.AddDays(30) }), "window",
            "start must not make the node's windows more than 16; cancel one first");
        var node = await pool.NodeSnapshot("n0");
        Assert.Equal(Enumerable.Range(1, MaintenanceWindow.MaxPerNode).Select(i => window with { Start = t0.AddDays(i) }), node.Maintenance);
        Assert.Equal((null, true), (node.CordonReason, node.Schedulable));
    }

    [Fact]
    public async Task A_window_outlives_the_node_grains_activation_and_still_begins()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var window = new MaintenanceWindow(pool.Clock.GetUtcNow().AddMinutes(30), TimeSpan.FromMinutes(30), "rack move");
        await pool.Client.ScheduleMaintenanceAsync("dc1/n0", window);
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        await node.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Null(await node.GetSnapshot());

        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Equal([window], (await node.GetSnapshot())?.Maintenance);
        });
        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.EventuallyAsync(async () => Assert.Equal(window.CordonText, (await node.GetSnapshot())?.CordonReason));
    }
}
