using Orion.Contracts;
using Orion.Grains.Tenancy;

namespace Orion.Tests.Tenancy;

public sealed class TenantLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static TenantCharge Slice(double percent, long memoryMiB = 1024, DateTimeOffset? at = null) =>
        TenantCharge.Of(ResourceRequest.Slice(percent, memoryMiB), PriorityClass.Offline, at ?? T0);

    [Fact]
    public void A_charge_is_per_card_times_cards_and_whole_cards_without_memory_do_not_state_it()
    {
        Assert.Equal(new TenantCharge(4000, 0, false, T0), TenantCharge.Of(ResourceRequest.WholeGpus(4), PriorityClass.Offline, T0));
        Assert.Equal(new TenantCharge(2000, 2 * 40_960, true, T0), TenantCharge.Of(new ResourceRequest(2, 100, 40_960), PriorityClass.Offline, T0));
        Assert.Equal(new TenantCharge(250, 4096, true, T0), Slice(25, 4096));
        Assert.Equal(new TenantCharge(0, 0, true, T0), TenantCharge.Of(new ResourceRequest(0, 0, 0, CpuMilli: 500), PriorityClass.Offline, T0));
    }

    [Fact]
    public void Without_a_quota_everything_is_admitted()
    {
        var ledger = new TenantLedger("search", null);
        Assert.Empty(ledger.Refusal(Slice(100)));
        Assert.Null(new TenantLedger("search", new TenantQuota()).Quota);
    }

    [Fact]
    public void Each_limit_refuses_what_would_pass_it_naming_the_limit_and_admits_up_to_it_exactly()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 100, GpuMemoryMiB: 10_000, Tasks: 3));
        ledger.Charge("a", Slice(60, 4000));
        Assert.Empty(ledger.Refusal(Slice(40, 6000)));

        var compute = Assert.Single(ledger.Refusal(Slice(40.1, 1000)));
        Assert.Equal(new ValidationError("tenant", "'search' would pass its quota of gpuPercent 100: 60 in use + 40.1 asked"), compute);

        var memory = Assert.Single(ledger.Refusal(Slice(10, 6001)));
        Assert.Equal(new ValidationError("tenant", "'search' would pass its quota of gpuMemoryMiB 10000: 4000 in use + 6001 asked"), memory);

        ledger.Charge("b", Slice(10, 10));
        ledger.Charge("c", Slice(10, 10));
        var tasks = Assert.Single(ledger.Refusal(Slice(1, 1)));
        Assert.Equal(new ValidationError("tenant", "'search' would pass its quota of 3 live tasks: 3 live"), tasks);

        Assert.True(ledger.Release("c"));
        Assert.False(ledger.Release("c"));
        Assert.Empty(ledger.Refusal(Slice(1, 1)));
        Assert.Equal(new TenantUsage("search", ledger.Quota, 70, 4010, 2), ledger.Usage());
    }

    [Fact]
    public void A_class_above_the_quotas_priority_cap_is_inadmissible_and_one_at_or_below_it_is_not()
    {
        var capped = new TenantLedger("search", new TenantQuota(MaxPriority: PriorityClass.Training));
        Assert.True(capped.Quota is not null, "a cap alone is a quota: the ledger checks it");
        var online = TenantCharge.Of(ResourceRequest.Slice(10, 1024), PriorityClass.Online, T0);
        Assert.Equal(
            new ValidationError("priority", "may be at most training for tenant 'search' (its quota's maxPriority), not online"),
            Assert.Single(capped.Inadmissible(online)));
        Assert.Equal(capped.PriorityRefusal(PriorityClass.Online), Assert.Single(capped.Inadmissible(online)));
        Assert.Empty(capped.Inadmissible(online with { Priority = PriorityClass.Training }));
        Assert.Null(capped.PriorityRefusal(PriorityClass.Offline));
        Assert.Null(new TenantLedger("search", new TenantQuota(GpuPercent: 100)).PriorityRefusal(PriorityClass.Online));
        Assert.Null(new TenantLedger("search", null).PriorityRefusal(PriorityClass.Online));

        // One waiting in line when the cap is lowered below its class is dropped, saying why.
        var ledger = new TenantLedger("search", new TenantQuota(Tasks: 1));
        ledger.Admit("a", Slice(10));
        ledger.Wait("b", Slice(10) with { Priority = PriorityClass.Training }, mayBorrow: false);
        ledger.Wait("c", Slice(10), mayBorrow: false);
        ledger.Wait("d", Slice(10) with { Priority = PriorityClass.Training }, mayBorrow: false);
        ledger.Reprioritise("d", PriorityClass.Offline);
        ledger.SetQuota(new TenantQuota(Tasks: 1, MaxPriority: PriorityClass.Offline), [], new HashSet<string>());
        var dropped = Assert.Single(ledger.DropInadmissible());
        Assert.Equal(("b", "priority"), (dropped.TaskId, Assert.Single(dropped.Why).Field));
        Assert.True(ledger.IsWaiting("c"));
        Assert.True(ledger.IsWaiting("d"));
    }

    [Fact]
    public void Online_work_is_bounded_by_its_own_limit_within_the_quota_and_other_classes_are_not()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 200, OnlineGpuPercent: 100));
        TenantCharge Online(double percent) => Slice(percent) with { Priority = PriorityClass.Online };
        ledger.Admit("chat-1", Online(60));
        Assert.Equal(
            new ValidationError("tenant", "'search' would pass its quota of onlineGpuPercent 100: 60 in use + 50 asked"),
            Assert.Single(ledger.Refusal(Online(50))));
        Assert.Empty(ledger.Refusal(Online(40)));
        Assert.Empty(ledger.Refusal(Slice(100) with { Priority = PriorityClass.Training }));
        ledger.Admit("train", Slice(100) with { Priority = PriorityClass.Training });

        // Both limits bind online work: 160 of 200 in use leaves 40 for anything.
        Assert.Equal(["gpuPercent 200", "onlineGpuPercent 100"],
            ledger.Refusal(Online(50)).Select(e => e.Rule.Split("quota of ")[1].Split(':')[0]));
        Assert.Equal(
            "'search' has a quota of onlineGpuPercent 100: the task asks 150, more than all of it",
            Assert.Single(ledger.Inadmissible(Online(150))).Rule);
        Assert.Empty(ledger.Inadmissible(Slice(150)));
        Assert.Equal((160.0, 60.0), (ledger.Usage().GpuPercent, ledger.Usage().OnlineGpuPercent));
        Assert.Equal("quota.onlineGpuPercent", Assert.Single(new TenantQuota(OnlineGpuPercent: -1).Validate()).Field);
    }

    [Fact]
    public void What_no_room_could_take_is_inadmissible_whatever_is_in_use()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 200, GpuMemoryMiB: 1_000_000));
        var whole = Assert.Single(ledger.Inadmissible(TenantCharge.Of(ResourceRequest.WholeGpus(2), PriorityClass.Offline, T0)));
        Assert.Equal("resources.gpuMemoryMiB", whole.Field);
        Assert.Empty(new TenantLedger("search", new TenantQuota(GpuPercent: 800)).Inadmissible(TenantCharge.Of(ResourceRequest.WholeGpus(2), PriorityClass.Offline, T0)));

        Assert.Equal(
            new ValidationError("tenant", "'search' has a quota of gpuPercent 200: the task asks 300, more than all of it"),
            Assert.Single(ledger.Inadmissible(TenantCharge.Of(new ResourceRequest(3, 100, 1024), PriorityClass.Offline, T0))));
        Assert.Equal("tenant", Assert.Single(ledger.Inadmissible(Slice(10, 1_000_001))).Field);
        Assert.Single(new TenantLedger("search", new TenantQuota(Tasks: 0)).Inadmissible(Slice(1)));

        // Exactly the whole quota, or anything with none, could be taken once room frees.
        Assert.Empty(ledger.Inadmissible(TenantCharge.Of(new ResourceRequest(2, 100, 500_000), PriorityClass.Offline, T0)));
        Assert.Empty(new TenantLedger("search", null).Inadmissible(TenantCharge.Of(ResourceRequest.WholeGpus(16), PriorityClass.Offline, T0)));
    }

    [Fact]
    public void The_line_is_admitted_in_order_of_arrival_among_those_that_fit()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 100));
        ledger.Charge("running", Slice(100));
        ledger.Wait("big", Slice(80));
        ledger.Wait("small", Slice(30));
        ledger.Wait("small-2", Slice(30));
        ledger.Wait("big", Slice(80));
        Assert.Equal(["big", "small", "small-2"], ledger.Line.Select(w => w.TaskId));
        Assert.Empty(ledger.AdmitWaiting());

        // 100 free: the big one first (80), and no 30 fits beside it.
        Assert.True(ledger.Release("running"));
        Assert.Equal(["big"], ledger.AdmitWaiting().Select(a => a.TaskId));
        Assert.Equal(["small", "small-2"], ledger.Line.Select(w => w.TaskId));

        // A waiter that leaves the line gives its place up; 100 free again takes both small ones.
        Assert.True(ledger.Release("small"));
        Assert.True(ledger.Release("big"));
        Assert.Equal(["small-2"], ledger.AdmitWaiting().Select(a => a.TaskId));
        Assert.Empty(ledger.Line);
        Assert.Equal(new TenantUsage("search", ledger.Quota, 30, 1024, 1, 0), ledger.Usage());
    }

    [Fact]
    public void A_lending_quota_lends_what_only_compute_or_memory_refuses_and_counts_it_apart()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 100, Tasks: 3, Borrow: true));
        ledger.Charge("a", Slice(100));
        Assert.Single(ledger.Refusal(Slice(50)));
        Assert.True(ledger.MayLend());
        ledger.Lend("b", Slice(50));
        Assert.True(ledger.Lends("b"));
        Assert.False(ledger.Holds("b"));

        // Loans are not charged against compute: room under the quota is as before, but they are live tasks.
        Assert.Equal(new TenantUsage("search", ledger.Quota, 100, 1024, 1, 0, 50, 1), ledger.Usage());
        ledger.Lend("c", Slice(50));
        Assert.False(ledger.MayLend());
        Assert.Contains(new ValidationError("tenant", "'search' would pass its quota of 3 live tasks: 3 live"), ledger.Refusal(Slice(0.1)));

        // A loan that ends frees its place; charging a loaned task moves it under the quota.
        Assert.True(ledger.Release("c"));
        Assert.True(ledger.MayLend());
        Assert.True(ledger.Release("a"));
        ledger.Charge("b", Slice(50));
        Assert.False(ledger.Lends("b"));
        Assert.Equal(new TenantUsage("search", ledger.Quota, 50, 1024, 1, 0, 0, 0), ledger.Usage());

        // A quota that does not lend lends nothing.
        Assert.False(new TenantLedger("search", new TenantQuota(GpuPercent: 100)).MayLend());
    }

    [Fact]
    public void A_quota_that_starts_lending_admits_the_line_on_borrowed_room_except_what_may_not_borrow()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 100));
        ledger.Charge("running", Slice(100));
        ledger.Wait("batch", Slice(50), mayBorrow: true);
        ledger.Wait("online", Slice(50), mayBorrow: false);
        Assert.Empty(ledger.AdmitWaiting());

        ledger.SetQuota(new TenantQuota(GpuPercent: 100, Borrow: true), [], new HashSet<string>());
        Assert.Equal([("batch", true)], ledger.AdmitWaiting().ToArray());
        Assert.Equal(["online"], ledger.Line.Select(w => w.TaskId));

        // Room under the quota goes to the line as a charge, not a loan.
        Assert.True(ledger.Release("running"));
        Assert.Equal([("online", false)], ledger.AdmitWaiting().ToArray());
        Assert.True(ledger.Holds("online"));
        Assert.True(ledger.Lends("batch"));

        // No quota at all hands every loan back.
        ledger.SetQuota(null, [], new HashSet<string>());
        Assert.Equal(["batch"], ledger.RepayLoans());
        Assert.Empty(ledger.Loans);
    }

    [Fact]
    public void Loans_are_taken_under_the_quota_oldest_first_as_room_frees_and_all_of_them_when_it_goes()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 100, Tasks: 3, Borrow: true));
        ledger.Charge("a", Slice(100));
        ledger.Lend("young", Slice(60, at: T0 + TimeSpan.FromMinutes(1)));
        ledger.Lend("old", Slice(60));
        Assert.Empty(ledger.RepayLoans());

        // 100 free takes the oldest loan (60); the other does not fit beside it. The task limit does not count a loan twice.
        Assert.True(ledger.Release("a"));
        Assert.Equal(["old"], ledger.RepayLoans());
        Assert.Equal(new TenantUsage("search", ledger.Quota, 60, 1024, 1, 0, 60, 1), ledger.Usage());

        ledger.SetQuota(null, [], new HashSet<string>());
        Assert.Equal(["young"], ledger.RepayLoans());
        Assert.Empty(ledger.Loans);
    }

    [Fact]
    public void Borrowing_needs_a_compute_or_memory_limit_to_borrow_beyond()
    {
        Assert.Equal("quota.borrow", Assert.Single(new TenantQuota(Tasks: 4, Borrow: true).Validate()).Field);
        Assert.Empty(new TenantQuota(GpuMemoryMiB: 1024, Borrow: true).Validate());
        Assert.Empty(new TenantQuota(Tasks: 4, Borrow: false).Validate());
        Assert.True(TenantLedger.MayBorrow(Specs.Batch(priority: PriorityClass.Training)));
        Assert.True(TenantLedger.MayBorrow(Specs.Batch()));
        Assert.False(TenantLedger.MayBorrow(Specs.Service()));
    }

    [Fact]
    public void A_lowered_quota_drops_from_the_line_only_what_could_never_fit()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 100));
        ledger.Wait("big", Slice(80));
        ledger.Wait("small", Slice(30));
        ledger.SetQuota(new TenantQuota(GpuPercent: 50), [], new HashSet<string>());
        var dropped = Assert.Single(ledger.DropInadmissible());
        Assert.Equal("big", dropped.TaskId);
        Assert.Equal("tenant", Assert.Single(dropped.Why).Field);
        Assert.Equal(["small"], ledger.Line.Select(w => w.TaskId));
    }

    [Fact]
    public void Removing_the_quota_admits_the_whole_line()
    {
        var ledger = new TenantLedger("search", new TenantQuota(Tasks: 1));
        ledger.Charge("a", Slice(10));
        ledger.Wait("b", Slice(10));
        ledger.Wait("c", Slice(10));
        Assert.Equal(2, ledger.Usage().Waiting);
        ledger.SetQuota(null, [], new HashSet<string>());
        Assert.Equal(["b", "c"], ledger.AdmitWaiting().Select(a => a.TaskId));
        Assert.Empty(ledger.Charges);
    }

    [Fact]
    public void A_first_quota_charges_the_live_tasks_and_those_admitted_a_moment_ago_unless_listed_ended()
    {
        var ledger = new TenantLedger("search", null);
        ledger.Remember("old", Slice(30, at: T0 - TenantLedger.Grace - TimeSpan.FromSeconds(1)));
        ledger.Remember("new", Slice(30));
        ledger.Remember("ended", Slice(30));
        ledger.Remember("listed", Slice(30));
        ledger.Forget(T0);

        ledger.SetQuota(new TenantQuota(GpuPercent: 100), [KeyValuePair.Create("listed", Slice(30)), KeyValuePair.Create("running", Slice(20))], new HashSet<string> { "ended" });
        Assert.Equal(["listed", "new", "running"], ledger.Charges.Keys.Order());

        // A new limit keeps the charges; no quota drops them.
        ledger.SetQuota(new TenantQuota(Tasks: 10), [KeyValuePair.Create("other", Slice(1))], new HashSet<string>());
        Assert.Equal(3, ledger.Usage().Tasks);
        ledger.SetQuota(null, [], new HashSet<string>());
        Assert.Empty(ledger.Charges);
        Assert.Null(ledger.Quota);
    }

    [Fact]
    public void A_recheck_drops_ended_tasks_at_once_and_missing_or_sleeping_ones_only_after_the_grace()
    {
        var charge = Slice(50);
        var status = new VGpuTaskStatus("a", Specs.Batch(), TaskState.Running, null, 1, T0, null, null, null, null, 0);
        Assert.False(TenantLedger.Stale(charge, status, T0 + TimeSpan.FromHours(1)));
        Assert.True(TenantLedger.Stale(charge, status with { State = TaskState.Cancelled }, T0));
        Assert.False(TenantLedger.Stale(charge, null, T0 + TenantLedger.Grace));
        Assert.True(TenantLedger.Stale(charge, null, T0 + TenantLedger.Grace + TimeSpan.FromSeconds(1)));

        // Asleep between windows: its release was lost, unless it was admitted a moment ago as its window opened.
        var asleep = status with { State = TaskState.Scheduled };
        Assert.False(TenantLedger.Stale(charge, asleep, T0 + TenantLedger.Grace));
        Assert.True(TenantLedger.Stale(charge, asleep, T0 + TenantLedger.Grace + TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(TaskState.Pending, true)]
    [InlineData(TaskState.Placing, true)]
    [InlineData(TaskState.Running, true)]
    [InlineData(TaskState.Suspended, true)]
    [InlineData(TaskState.Scheduled, false)]
    [InlineData(TaskState.Completed, false)]
    [InlineData(TaskState.Failed, false)]
    [InlineData(TaskState.Cancelled, false)]
    public void Live_tasks_count_against_their_tenant_except_between_windows(TaskState state, bool counts) =>
        Assert.Equal(counts, TenantLedger.Counts(state));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.005)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_weight_outside_its_bounds_names_the_field(double weight)
    {
        var error = Assert.Single(new TenantQuota(Weight: weight).Validate());
        Assert.Equal(("quota.weight", "must be 0.01 to 100 (1 is an equal share)"), (error.Field, error.Rule));
        Assert.Empty(new TenantQuota(Weight: 0.01).Validate());
        Assert.Empty(new TenantQuota(Weight: 100).Validate());
    }

    [Fact]
    public void A_weight_alone_limits_nothing_and_is_not_an_empty_quota()
    {
        var weighted = new TenantQuota(Weight: 2);
        Assert.True(weighted.IsUnlimited);
        Assert.False(weighted.IsEmpty);
        Assert.True(new TenantQuota().IsEmpty);
        Assert.Null(new TenantLedger("t", weighted).Quota);
    }

    [Theory]
    [InlineData(-1.0, null, null, "quota.gpuPercent")]
    [InlineData(double.NaN, null, null, "quota.gpuPercent")]
    [InlineData(double.PositiveInfinity, null, null, "quota.gpuPercent")]
    [InlineData(12.34, null, null, "quota.gpuPercent")]
    [InlineData(null, -1L, null, "quota.gpuMemoryMiB")]
    [InlineData(null, null, -1, "quota.tasks")]
    public void A_quota_breaking_a_rule_names_the_field(double? percent, long? memory, int? tasks, string field)
    {
        var error = Assert.Single(new TenantQuota(percent, memory, tasks).Validate());
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Zero_limits_are_valid_and_admit_nothing()
    {
        var quota = new TenantQuota(0, 0, 0);
        Assert.Empty(quota.Validate());
        Assert.Equal(3, new TenantLedger("t", quota).Refusal(Slice(0.1, 1)).Length);
        Assert.Equal(3, new TenantLedger("t", quota).Inadmissible(Slice(0.1, 1)).Length);
    }

    // A member of two whole cards: 200%.
    private static TenantCharge Member(string gang, int size = 2) => TenantCharge.Of(ResourceRequest.WholeGpus(2), PriorityClass.Offline, new GangSpec(gang, size), T0);

    [Fact]
    public void Room_set_aside_for_an_online_gangs_members_counts_against_the_online_limit()
    {
        // An online gang of two 40% members under an online limit of 100: its first sets 40 aside for the second.
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 400, OnlineGpuPercent: 100));
        var member = TenantCharge.Of(ResourceRequest.Slice(40, 1024), PriorityClass.Online, new GangSpec("shards", 2), T0);
        ledger.Admit("shard-0", member);
        TenantCharge Online(double percent) => Slice(percent) with { Priority = PriorityClass.Online };
        Assert.Equal(
            new ValidationError("tenant", "'search' would pass its quota of onlineGpuPercent 100: 40 in use + 40 set aside for gangs + 30 asked"),
            Assert.Single(ledger.Refusal(Online(30))));
        Assert.Empty(ledger.Refusal(Online(20)));

        // The second member takes its own room; offline work is not bound by the online limit.
        Assert.Empty(ledger.Refusal(member));
        Assert.Empty(ledger.Refusal(Slice(30)));
    }

    [Fact]
    public void A_gangs_first_member_is_admitted_only_with_room_for_all_of_it_which_is_set_aside_for_the_rest()
    {
        // Two gangs of two 200% members under a quota of 400%: interleaved, each would take half and wait for ever.
        var ledger = new TenantLedger("research", new TenantQuota(GpuPercent: 400, Tasks: 4));
        Assert.Empty(ledger.Refusal(Member("a")));
        ledger.Admit("a0", Member("a"));

        // a's second member's room is set aside: b's first does not fit beside it, a's second does.
        Assert.Equal(
            [new ValidationError("tenant", "'research' would pass its quota of gpuPercent 400: 200 in use + 200 set aside for gangs + 400 asked")],
            ledger.Refusal(Member("b")));
        Assert.Equal((200, 1, 200d, 1), (ledger.Usage().GpuPercent, ledger.Usage().Tasks, ledger.Usage().SetAsideGpuPercent, ledger.Usage().SetAsideTasks));
        Assert.Empty(ledger.Refusal(Member("a")));
        ledger.Admit("a1", Member("a"));
        Assert.Equal((400, 2, 0d, 0), (ledger.Usage().GpuPercent, ledger.Usage().Tasks, ledger.Usage().SetAsideGpuPercent, ledger.Usage().SetAsideTasks));

        // The set-aside room is a's members', not one more task's: a's third member (beyond its size) asks again.
        Assert.NotEmpty(ledger.Refusal(Member("a")));

        // Once a's members end, b fits whole.
        ledger.Release("a0");
        ledger.Release("a1");
        Assert.Empty(ledger.Refusal(Member("b")));
    }

    [Fact]
    public void A_quota_lowered_below_a_gang_admitted_in_part_drops_its_admitted_members_and_the_room_set_aside()
    {
        var ledger = new TenantLedger("research", new TenantQuota(GpuPercent: 1000));
        ledger.Admit("a0", Member("a", size: 3));
        ledger.Admit("b0", Member("b", size: 2));
        ledger.Admit("b1", Member("b", size: 2));
        ledger.Admit("c0", Member("c", size: 2));
        Assert.Empty(ledger.DropInadmissibleGangs());

        // 500%: a (600% whole) could never be; c (400%) still could; b is complete, so its members stay whatever the quota.
        ledger.SetQuota(new TenantQuota(GpuPercent: 500), [], new HashSet<string>());
        var dropped = ledger.DropInadmissibleGangs();
        Assert.Equal(
            [("a0", "'research' has a quota of gpuPercent 500: the gang a of 3 members asks 600, more than all of it")],
            dropped.Select(d => (d.TaskId, Assert.Single(d.Why).Rule)));
        Assert.Equal((3, 600d, 200d, 1), (ledger.Usage().Tasks, ledger.Usage().GpuPercent, ledger.Usage().SetAsideGpuPercent, ledger.Usage().SetAsideTasks));
        Assert.Empty(ledger.DropInadmissibleGangs());
    }

    [Fact]
    public void Room_set_aside_for_a_gang_goes_when_its_admitted_members_end_before_the_rest_came_and_counts_as_live_tasks()
    {
        var ledger = new TenantLedger("research", new TenantQuota(GpuPercent: 1000, Tasks: 4));
        ledger.Admit("a0", Member("a", size: 3));

        // Two members of a are set aside: one more task of another gang of two does not fit the task limit beside them.
        Assert.Equal(
            [new ValidationError("tenant", "'research' would pass its quota of 4 live tasks: 3 live")],
            ledger.Refusal(Member("b", size: 2)));
        Assert.Empty(ledger.Refusal(Slice(10)));

        // a's only admitted member is cancelled before the rest arrive: its set-aside room goes with it.
        Assert.True(ledger.Release("a0"));
        Assert.Empty(ledger.Refusal(Member("b", size: 2)));
        Assert.Empty(ledger.Refusal(Member("c", size: 4)));
    }

    [Fact]
    public void A_gang_larger_than_the_whole_quota_is_inadmissible_naming_the_gang()
    {
        var ledger = new TenantLedger("research", new TenantQuota(GpuPercent: 400, Tasks: 2));
        Assert.Equal(
            [
                new ValidationError("tenant", "'research' has a quota of gpuPercent 400: the gang a of 3 members asks 600, more than all of it"),
                new ValidationError("tenant", "'research' has a quota of 2 live tasks: the gang a of 3 members is more"),
            ],
            ledger.Inadmissible(Member("a", size: 3)));
        Assert.Empty(ledger.Inadmissible(Member("b", size: 2)));
    }

    [Fact]
    public void A_rebuilt_ledger_sets_room_aside_again_only_for_gangs_admitted_in_part_and_not_yet_placed()
    {
        var ledger = new TenantLedger("research", new TenantQuota(GpuPercent: 1400));
        ledger.Charge("a0", Member("a", size: 3));
        ledger.Charge("b0", Member("b", size: 3));
        ledger.Charge("b1", Member("b", size: 3));
        ledger.Charge("c0", Member("c", size: 2));
        ledger.Charge("c1", Member("c", size: 2));

        // a: one of three admitted, not placed (two set aside); b: placed (its third ended); c: whole.
        ledger.SetAsideForIncomplete([("a0", false), ("b0", true), ("b1", false), ("c0", false), ("c1", false)]);
        Assert.Equal(
            [new ValidationError("tenant", "'research' would pass its quota of gpuPercent 1400: 1000 in use + 400 set aside for gangs + 200 asked")],
            ledger.Refusal(Slice(100) with { GpuMilli = 2000 }));
        // Told again (a later rebuild), nothing more is set aside; a's members fit in what is.
        ledger.SetAsideForIncomplete([("a0", false)]);
        Assert.Empty(ledger.Refusal(Member("a", size: 3)));
    }

    [Fact]
    public void Of_a_job_array_the_quota_admits_now_as_many_as_every_limit_allows_together()
    {
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 300, GpuMemoryMiB: 10_000, Tasks: 8));
        var slice = TenantCharge.Of(ResourceRequest.Slice(50, 2048), PriorityClass.Offline, DateTimeOffset.UnixEpoch);
        Assert.Equal(4, ledger.AdmitsNow(slice, 10));
        Assert.Equal(2, ledger.AdmitsNow(slice, 2));
        Assert.Empty(ledger.Refusal(slice, count: 4));
        Assert.Equal("tenant", Assert.Single(ledger.Refusal(slice, count: 5)).Field);
        Assert.Equal(0, new TenantLedger("search", new TenantQuota(Tasks: 0)).AdmitsNow(slice, 3));
    }

    [Fact]
    public void A_spent_monthly_budget_refuses_new_work_and_loans_but_not_a_gangs_members_set_aside_nor_loans_repaid()
    {
        var november = new DateOnly(2026, 11, 1);
        var ledger = new TenantLedger("search", new TenantQuota(GpuPercent: 100, Borrow: true, GpuHoursPerMonth: 10));
        Assert.Equal(0, ledger.SpentThisMonth);
        Assert.False(ledger.SetSpent(november, 9.99));
        Assert.Empty(ledger.Refusal(Slice(10)));
        Assert.True(ledger.MayLend());

        // Spent (exactly the budget counts): a new task is refused naming the budget, and nothing borrows past it.
        ledger.Admit("gang-0", Member("train") with { GpuMilli = 200 });
        ledger.Lend("loan", Slice(50));
        Assert.False(ledger.SetSpent(november, 10));
        Assert.True(ledger.BudgetSpent);
        Assert.Equal(
            [new ValidationError("tenant", "'search' spent its quota of gpuHoursPerMonth 10: 10 card-hours in 2026-11; more from 2026-12-01 (UTC)")],
            ledger.Refusal(Slice(10)));
        Assert.False(ledger.MayLend());
        Assert.Equal(0, ledger.AdmitsNow(Slice(10), 5));

        // The gang admitted whole before gets its second member; a loan is still taken under the quota when room frees.
        Assert.Empty(ledger.Refusal(Member("train") with { GpuMilli = 200 }));
        Assert.Single(ledger.Refusal(Member("other") with { GpuMilli = 200 }));
        Assert.Equal(["loan"], ledger.RepayLoans());

        // Waiting work is admitted once a new month's reading lifts the hold.
        ledger.Wait("next", Slice(10));
        Assert.Empty(ledger.AdmitWaiting());
        Assert.True(ledger.SetSpent(new DateOnly(2026, 12, 1), 0.5));
        Assert.Equal([("next", false)], ledger.AdmitWaiting());
        Assert.Equal(0.5, ledger.Usage().GpuHoursThisMonth);
    }

    [Fact]
    public void A_budget_is_a_quota_of_its_own_and_shows_nothing_spent_without_one()
    {
        Assert.NotNull(new TenantLedger("search", new TenantQuota(GpuHoursPerMonth: 100)).Quota);
        var unbudgeted = new TenantLedger("search", new TenantQuota(Tasks: 3));
        unbudgeted.SetSpent(new DateOnly(2026, 11, 1), 1e9);
        Assert.False(unbudgeted.BudgetSpent);
        Assert.Null(unbudgeted.Usage().GpuHoursThisMonth);
        Assert.Equal(new DateOnly(2026, 11, 1), TenantLedger.MonthOf(new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.FromHours(1))));
        Assert.Equal("tasks 3, gpuHoursPerMonth 100", new TenantQuota(Tasks: 3, GpuHoursPerMonth: 100).Summary());
        Assert.Equal("quota.gpuHoursPerMonth", Assert.Single(new TenantQuota(GpuHoursPerMonth: -0.5).Validate()).Field);
        Assert.Empty(new TenantQuota(GpuHoursPerMonth: 0).Validate());

        // An idle timeout limits nothing the ledger charges, as a weight.
        var idle = new TenantQuota(IdleTimeout: TimeSpan.FromHours(2));
        Assert.True(idle is { IsUnlimited: true, IsEmpty: false });
        Assert.Null(new TenantLedger("search", idle).Quota);
        Assert.Equal("idleTimeout 2h", idle.Summary());
        Assert.Equal("quota.idleTimeout", Assert.Single(new TenantQuota(IdleTimeout: TimeSpan.FromSeconds(59)).Validate()).Field);
    }
}
