using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

/// <summary>A node's maintenance windows: their rules, what they keep from starting, and when they change the node.</summary>
public sealed class MaintenanceCalendarTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    // Starts in 3 hours, lasts 4, its notice from 1 hour from now.
    private static readonly MaintenanceWindow Firmware = new(Now.AddHours(3), TimeSpan.FromHours(4), "firmware", Drain: true, Notice: TimeSpan.FromHours(2));

    [Fact]
    public void A_window_names_each_broken_rule_with_its_field()
    {
        Assert.Empty(Firmware.Check(Now));
        Assert.Equal(
            ["reason must be 1 to 150 characters, not blank", "duration must be 1m to 30d; got 59s", "notice must be 0s to 30d; got -1s",
             "start must not be in the past; 2026-12-01 11:58Z is before 2026-12-01 12:00Z"],
            new MaintenanceWindow(Now.AddMinutes(-2), TimeSpan.FromSeconds(59), " ", Notice: TimeSpan.FromSeconds(-1)).Check(Now).Select(e => e.ToString()));
        Assert.Equal(["reason must be 1 to 150 characters, not blank", "duration must be 1m to 30d; got 30d1s", "notice must be 0s to 30d; got 30d1s"],
            new MaintenanceWindow(Now, TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1), new string('x', 151), Notice: TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1)).Check(Now).Select(e => e.ToString()));
        Assert.Equal(["start must be at most 365 days ahead; 2027-12-02 12:00Z is later"], (Firmware with { Start = Now.AddDays(366) }).Check(Now).Select(e => e.ToString()));

        // The edges are in: a start a minute back ("now" on its way), 1 minute, 30 days, 150 characters.
        Assert.Empty(new MaintenanceWindow(Now.AddMinutes(-1), TimeSpan.FromMinutes(1), new string('x', 150)).Check(Now));
        Assert.Empty(new MaintenanceWindow(Now.AddDays(365), TimeSpan.FromDays(30), "x", Notice: TimeSpan.FromDays(30)).Check(Now));

        // The cordon it puts on its node stays within a cordon's rule at the longest reason.
        Assert.True(CordonReason.IsValid(new MaintenanceWindow(Now.AddSeconds(7), TimeSpan.FromDays(30), new string('x', 150)).CordonText));
        Assert.Equal("maintenance until 2026-12-01 19:00Z: firmware", Firmware.CordonText);
    }

    [Fact]
    public void A_window_may_not_overlap_another_nor_pass_the_most_and_ended_ones_do_not_count()
    {
        ImmutableArray<MaintenanceWindow> windows = [Firmware];
        Assert.Equal(["start must not overlap another window of the node; 2026-12-01 15:00Z to 2026-12-01 19:00Z (firmware) overlaps it"],
            MaintenanceCalendar.Refusal(windows, Firmware with { Start = Now.AddHours(6), Reason = "psu" }, Now).Select(e => e.ToString()));

        // Back to back is no overlap; its own rules come first.
        Assert.Empty(MaintenanceCalendar.Refusal(windows, Firmware with { Start = Firmware.End }, Now));
        Assert.Empty(MaintenanceCalendar.Refusal(windows, Firmware with { Start = Now, Duration = TimeSpan.FromHours(3) }, Now));
        Assert.Equal("duration", Assert.Single(MaintenanceCalendar.Refusal(windows, Firmware with { Duration = TimeSpan.Zero }, Now)).Field);

        var full = Enumerable.Range(0, MaintenanceWindow.MaxPerNode).Select(i => Firmware with { Start = Now.AddDays(i + 1) }).ToImmutableArray();
        Assert.Equal(["start must not make the node's windows more than 16; cancel one first"],
            MaintenanceCalendar.Refusal(full, Firmware with { Start = Now.AddDays(30) }, Now).Select(e => e.ToString()));

        // Once the first has ended it is not kept, and there is room again.
        var later = Now.AddDays(1) + Firmware.Duration;
        Assert.Equal(MaintenanceWindow.MaxPerNode - 1, MaintenanceCalendar.Kept(full, later).Length);
        Assert.Empty(MaintenanceCalendar.Refusal(full, Firmware with { Start = Now.AddDays(30) }, later));
    }

    [Theory]
    [InlineData(-0.01, null, false)] // before the notice: anything starts
    [InlineData(0.0, null, true)] // the notice has begun: no limit reaches the window
    [InlineData(0.0, 1.0, false)] // ends an hour before the start
    [InlineData(0.0, 2.0, false)] // ends right at the start
    [InlineData(0.0, 2.01, true)] // runs into it
    [InlineData(2.0, 0.5, true)] // in force: nothing starts
    [InlineData(5.99, 0.001, true)]
    [InlineData(6.0, null, false)] // ended
    public void Work_is_kept_off_from_the_notice_when_its_run_could_reach_the_window(double hoursFromNotice, double? runHours, bool blocked)
    {
        // Hours counted from the notice's start (Now + 1h); the window is 2 to 6 hours after it.
        var at = Firmware.NoticeFrom + TimeSpan.FromHours(hoursFromNotice);
        var runsFor = runHours is { } h ? TimeSpan.FromHours(h) : (TimeSpan?)null;
        Assert.Equal(blocked, MaintenanceCalendar.Blocking([Firmware], at, runsFor) is not null);
        Assert.Null(MaintenanceCalendar.Blocking(default, at, runsFor));
    }

    [Fact]
    public void The_refusal_says_which_window_and_why()
    {
        Assert.Equal("node dc1/n0 goes into maintenance at 2026-12-01 15:00Z (firmware): only work with a max runtime that ends before then may start there",
            MaintenanceCalendar.Why("dc1/n0", Firmware, Now.AddHours(1), null));
        Assert.Equal("node dc1/n0 goes into maintenance at 2026-12-01 15:00Z (firmware): a run of up to 3h from now would reach it",
            MaintenanceCalendar.Why("dc1/n0", Firmware, Now.AddHours(1), TimeSpan.FromHours(3)));
        Assert.Equal("node dc1/n0 is in maintenance until 2026-12-01 19:00Z: firmware", MaintenanceCalendar.Why("dc1/n0", Firmware, Now.AddHours(3), null));
    }

    [Fact]
    public void A_repeating_window_is_followed_by_its_next_occurrence_past_now_skipping_one_that_would_overlap()
    {
        var daily = new MaintenanceWindow(Now.AddHours(1), TimeSpan.FromHours(1), "patching", Every: TimeSpan.FromDays(1));
        Assert.Equal("2026-12-01 13:00Z for 1h, every 1d: patching", daily.ToString());
        Assert.Equal([daily], MaintenanceCalendar.Kept([daily], daily.End - TimeSpan.FromTicks(1)));
        Assert.Equal([daily with { Start = daily.Start.AddDays(1) }], MaintenanceCalendar.Kept([daily], daily.End));

        // Time that jumped past several lands on the first that ends after it, in force or ahead.
        Assert.Equal([daily with { Start = daily.Start.AddDays(3) }], MaintenanceCalendar.Kept([daily], daily.Start.AddDays(3).AddMinutes(30)));
        Assert.Equal([daily with { Start = daily.Start.AddDays(4) }], MaintenanceCalendar.Kept([daily], daily.End.AddDays(3)));

        // An occurrence that would overlap another window is skipped.
        var upgrade = new MaintenanceWindow(daily.Start.AddDays(1).AddMinutes(30), TimeSpan.FromHours(5), "upgrade");
        Assert.Equal([upgrade, daily with { Start = daily.Start.AddDays(2) }], MaintenanceCalendar.Kept([daily, upgrade], daily.End));

        // Its period must be longer than the window.
        Assert.Equal(["every must be longer than the duration (1h) and at most 365 days; got 1h"],
            (daily with { Every = TimeSpan.FromHours(1) }).Check(Now).Select(e => e.ToString()));
        Assert.Equal(["every must be longer than the duration (1h) and at most 365 days; got 366d"],
            (daily with { Every = TimeSpan.FromDays(366) }).Check(Now).Select(e => e.ToString()));
        Assert.Empty((daily with { Every = TimeSpan.FromMinutes(61) }).Check(Now));
    }

    [Fact]
    public void The_window_in_force_and_the_windows_kept_follow_the_clock()
    {
        var psu = new MaintenanceWindow(Now.AddDays(1), TimeSpan.FromHours(1), "psu");
        ImmutableArray<MaintenanceWindow> windows = [psu, Firmware];
        Assert.Null(MaintenanceCalendar.InForce(windows, Now));
        Assert.Equal([Firmware, psu], MaintenanceCalendar.Kept(windows, Now));
        Assert.Equal(Firmware, MaintenanceCalendar.InForce(windows, Firmware.Start));
        Assert.Null(MaintenanceCalendar.InForce(windows, Firmware.End));
        Assert.Equal([psu], MaintenanceCalendar.Kept(windows, Firmware.End));
        Assert.Equal(psu, MaintenanceCalendar.InForce(windows, psu.Start));
        Assert.Empty(MaintenanceCalendar.Kept(windows, psu.End));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_keeps_work_that_would_reach_a_window_off_its_node_and_says_so(string name)
    {
        // The node with the window is the better fit for every policy's taste: one card used on the other node, none there.
        var plain = Reported("a-plain");
        Use(plain, 0, 500);
        Use(plain, 1, 500);
        var planned = NodeView.FromSnapshot(new NodeSnapshot("b-planned", "dc1", 64_000, 0, 262_144, 0,
            [.. Enumerable.Range(0, 2).Select(i => new GpuSnapshot(new GpuDevice($"b-planned/{i}", i, "A100-80GB", 81_920, 1.0, 25, $"GPU-b-{i}"), 1000, [], 1))],
            true, 1, Maintenance: [Firmware]));
        var view = Of(plain, planned);
        var policy = PlacementPolicies.Create(name);
        var endless = Whole(2) with { At = Firmware.NoticeFrom };
        Assert.Null(policy.Choose(view, endless));
        Assert.Equal("0 of 2 nodes take it now: going into maintenance at 2026-12-01 15:00Z, which its run without a max runtime would reach (1), fewer than 2 idle cards (1)",
            PlacementExplanation.Explain(view, endless));

        // Short enough, or before the notice, or placed without a start (a benchmark's replay): it goes there.
        Assert.Equal("b-planned", policy.Choose(view, endless with { RunsFor = TimeSpan.FromHours(2) })!.Node.Id);
        Assert.Equal("b-planned", policy.Choose(view, endless with { At = Now })!.Node.Id);
        Assert.Equal("b-planned", policy.Choose(view, endless with { At = null })!.Node.Id);
        Assert.Null(policy.Choose(view, endless with { RunsFor = TimeSpan.FromHours(2.5) }));
        Assert.Equal("0 of 2 nodes take it now: going into maintenance at 2026-12-01 15:00Z, which its run of up to 2h30m would reach (1), fewer than 2 idle cards (1)",
            PlacementExplanation.Explain(view, endless with { RunsFor = TimeSpan.FromHours(2.5) }));
        Assert.Equal("0 of 2 nodes take it now: in maintenance until 2026-12-01 19:00Z (1), fewer than 2 idle cards (1)",
            PlacementExplanation.Explain(view, endless with { At = Firmware.Start, RunsFor = TimeSpan.FromMinutes(1) }));

        // A copy of the node's state keeps its windows.
        Assert.Equal([Firmware], planned.CopyState().Maintenance);
    }

    [Fact]
    public void A_tasks_request_carries_its_start_and_max_runtime()
    {
        var spec = Specs.Batch(computePercent: 50) with { MaxRuntime = TimeSpan.FromMinutes(45) };
        var request = PlacementRequest.From(spec, Now);
        Assert.Equal((Now, TimeSpan.FromMinutes(45)), (request.At, request.RunsFor));
        Assert.Null(PlacementRequest.From(spec).At);
    }
}
