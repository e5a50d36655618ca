using Orion.Client.Monitoring;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Tenants' usage (<see cref="ITenantMeterGrain"/>) in fake time; the pool's clock starts at 2026-11-29 22:00 UTC.</summary>
public sealed class UsageMeterTests
{
    private static readonly DateOnly Day1 = new(2026, 11, 29);
    private static readonly DateOnly Day2 = new(2026, 11, 30);

    // Work of a whole card for an hour: two hours at half a card.
    private static TaskSpec Work(double percent, TimeSpan atFullCard, string tenant = "team-a") =>
        Specs.Batch(computePercent: percent, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: atFullCard.TotalMilliseconds, tenant: tenant);

    private static async Task<TenantConsumption> Of(TestPool pool, string tenant, DateOnly? from = null, DateOnly? to = null) =>
        Assert.Single(await pool.Client.GetConsumptionAsync(from ?? Day1, to ?? Day2, tenant));

    [Fact]
    public async Task A_slice_counts_its_share_of_a_card_for_the_time_it_held_it_and_whole_cards_count_each_card()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        await pool.SubmitAsync(Work(50, TimeSpan.FromHours(1)), "half");
        await pool.SubmitAsync(Specs.Training(2, steps: 1, gpuMsPerStep: 1e9), "pair");
        await pool.WaitForAsync("half", TaskState.Running);
        await pool.WaitForAsync("pair", TaskState.Running);

        // Half an hour in: both runs under way count up to now.
        pool.Advance(TimeSpan.FromMinutes(30));
        var soFar = await Of(pool, "team-a");
        Assert.Equal((0.25, 0, 1), (soFar.CardHours, soFar.Runs, soFar.RunningNow));
        Assert.Equal(4.0, soFar.GpuMemoryGiBHours, 6);
        Assert.Equal(1.0, (await Of(pool, "research")).CardHours, 6);

        await pool.Client.CancelAsync("pair");
        pool.Advance(TimeSpan.FromMinutes(90));
        await pool.WaitForAsync("half", TaskState.Completed);

        var half = await Of(pool, "team-a");
        Assert.Equal((1.0, 1, 0), (half.CardHours, half.Runs, half.RunningNow));
        Assert.Equal(16.0, half.GpuMemoryGiBHours, 6);
        var pair = await Of(pool, "research");
        Assert.Equal((1.0, 1, 0), (pair.CardHours, pair.Runs, pair.RunningNow));
        var status = (await pool.Client.GetAsync("half"))!;
        Assert.Equal((3600.0, 1), (status.CardSeconds, status.Runs));

        // Every tenant with usage, when none is named.
        Assert.Equal(["research", "team-a"], (await pool.Client.GetConsumptionAsync(Day1, Day2)).Select(c => c.Tenant));
    }

    [Fact]
    public async Task Usage_split_by_a_label_counts_each_value_and_the_tasks_without_it_and_adds_to_the_tenants()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        static TaskSpec Of(TaskSpec spec, string? project) =>
            project is null ? spec : spec with { Labels = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("project", project) };
        await pool.SubmitAsync(Of(Work(50, TimeSpan.FromHours(1)), "llm"), "llm");
        await pool.SubmitAsync(Of(Work(100, TimeSpan.FromHours(1)), "vision"), "vision");
        await pool.SubmitAsync(Of(Work(50, TimeSpan.FromHours(10)), null), "plain");
        foreach (var id in new[] { "llm", "vision", "plain" })
        {
            await pool.WaitForAsync(id, TaskState.Running);
        }

        // Two hours on: vision (a card, 1 h) and llm (half a card, 2 h) ended; plain runs on and counts up to now. (A run is
        // held until its task hears it ended, so the clock stops at each end.)
        pool.Advance(TimeSpan.FromHours(1));
        await pool.WaitForAsync("vision", TaskState.Completed);
        pool.Advance(TimeSpan.FromHours(1));
        await pool.WaitForAsync("llm", TaskState.Completed);
        var split = await pool.Client.GetConsumptionAsync(Day1, Day2, "team-a", "project");
        Assert.Equal(["project=llm", "project=vision", "project"], split.Select(c => c.Label));
        Assert.Equal([1.0, 1.0, 1.0], split.Select(c => Math.Round(c.CardHours, 6)));
        Assert.Equal([1, 1, 0], split.Select(c => c.Runs));
        Assert.Equal([0, 0, 1], split.Select(c => c.RunningNow));
        Assert.Equal(Assert.Single(await pool.Client.GetConsumptionAsync(Day1, Day2, "team-a")).CardHours, split.Sum(c => c.CardHours), 6);

        // A key no task carries: everything is without it.
        var none = Assert.Single(await pool.Client.GetConsumptionAsync(Day1, Day2, "team-a", "team"));
        Assert.Equal(("team", 3.0), (none.Label, Math.Round(none.CardHours, 6)));
        Assert.Equal("byLabel", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.GetConsumptionAsync(Day1, Day2, "team-a", "-bad"))).ParamName);
    }

    [Fact]
    public async Task Usage_split_by_data_centre_counts_the_runs_in_each_and_adds_to_the_tenants()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("m0", gpus: 1, dc: "dc2")]);
        static TaskSpec In(string dataCenter, TaskSpec spec) => spec with { Constraints = spec.Constraints with { DataCenter = dataCenter } };
        await pool.SubmitAsync(In("dc1", Work(100, TimeSpan.FromHours(1))), "here");
        await pool.SubmitAsync(In("dc2", Work(50, TimeSpan.FromHours(10))), "there");
        await pool.WaitForAsync("here", TaskState.Running);
        await pool.WaitForAsync("there", TaskState.Running);

        // An hour on: the dc1 run (a card, 1 h) ended; the dc2 one runs on at half a card and counts up to now.
        pool.Advance(TimeSpan.FromHours(1));
        await pool.WaitForAsync("here", TaskState.Completed);
        var split = await pool.Client.GetConsumptionByDataCenterAsync(Day1, Day2, "team-a");
        Assert.Equal(["dc1", "dc2"], split.Select(c => c.DataCenter));
        Assert.Equal([1.0, 0.5], split.Select(c => Math.Round(c.CardHours, 6)));
        Assert.Equal([1, 0], split.Select(c => c.Runs));
        Assert.Equal([0, 1], split.Select(c => c.RunningNow));
        Assert.Equal(Assert.Single(await pool.Client.GetConsumptionAsync(Day1, Day2, "team-a")).CardHours, split.Sum(c => c.CardHours), 6);
        Assert.Equal("tenant", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.GetConsumptionByDataCenterAsync(Day1, Day2, " "))).ParamName);
    }

    [Fact]
    public async Task A_run_over_midnight_is_split_between_the_days_in_proportion()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Work(100, TimeSpan.FromHours(4)), "night");
        await pool.WaitForAsync("night", TaskState.Running);
        pool.Advance(TimeSpan.FromHours(4));
        await pool.WaitForAsync("night", TaskState.Completed);

        var both = await Of(pool, "team-a");
        Assert.Equal(4.0, both.CardHours, 6);
        Assert.Equal([Day1, Day2], both.Days.Select(d => d.Day));
        Assert.Equal(2.0, both.Days[0].CardSeconds / 3600, 6);
        Assert.Equal((0, 1), (both.Days[0].Runs, both.Days[1].Runs));
        Assert.Equal(2.0, (await Of(pool, "team-a", Day2, Day2)).CardHours, 6);
    }

    [Fact]
    public async Task A_long_run_is_metered_as_it_goes_and_each_part_counts_once_on_its_day()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Work(100, TimeSpan.FromHours(10)), "long");
        await pool.WaitForAsync("long", TaskState.Running);

        // Four hours in (02:00 on day 2): its node has had it report, so the meter's own days hold them, not only readers.
        pool.Advance(TimeSpan.FromHours(4));
        await pool.EventuallyAsync(async () => Assert.Equal(4.0, (await Of(pool, "team-a")).Days.Sum(d => d.CardSeconds) / 3600, 6));
        var soFar = await Of(pool, "team-a");
        Assert.Equal((4.0, 0, 1), (Math.Round(soFar.CardHours, 6), soFar.Runs, soFar.RunningNow));
        Assert.Equal([2.0, 2.0], soFar.Days.Select(d => Math.Round(d.CardSeconds / 3600, 6)));

        // The node's report of the run so far reaches the meter, counted in the node's data centre as well.
        var meter = pool.Grains.GetGrain<ITenantMeterGrain>("team-a");
        await pool.EventuallyAsync(async () =>
            Assert.Equal([2.0, 2.0], (await meter.ReadInDataCenter(Day1, Day2, "dc1")).Days.Select(d => Math.Round(d.CardSeconds / 3600, 6))));
        Assert.Empty((await meter.ReadInDataCenter(Day1, Day2, "dc2")).Days);

        // Its end adds the six hours after that report, all on day 2.
        pool.Advance(TimeSpan.FromHours(6));
        await pool.WaitForAsync("long", TaskState.Completed);
        var done = await Of(pool, "team-a");
        Assert.Equal((10.0, 1, 0), (Math.Round(done.CardHours, 6), done.Runs, done.RunningNow));
        Assert.Equal([2.0, 8.0], done.Days.Select(d => Math.Round(d.CardSeconds / 3600, 6)));
    }

    [Fact]
    public async Task Each_run_of_a_task_counts_and_an_ending_between_runs_is_no_run_more()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.SubmitAsync(Work(100, TimeSpan.FromHours(10)), "moved");
        var first = await pool.WaitForAsync("moved", TaskState.Running);
        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.Client.DrainAsync(first.Placement!.NodeId, "maintenance");
        await pool.EventuallyAsync(async () => Assert.Equal(2, (await pool.Client.GetAsync("moved"))!.Generation));
        await pool.WaitForAsync("moved", TaskState.Running);
        pool.Advance(TimeSpan.FromHours(1));
        await pool.Client.CancelAsync("moved");

        var moved = await Of(pool, "team-a");
        Assert.Equal((1.5, 2, 0), (Math.Round(moved.CardHours, 6), moved.Runs, moved.RunningNow));
    }

    [Fact]
    public async Task A_report_its_meter_could_not_take_is_told_again_at_the_reminder_and_counted_once()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, queueRecovery: true);
        faults.Fail("ITenantMeterGrain.Meter");
        await pool.SubmitAsync(Work(100, TimeSpan.FromHours(1)), "done");
        await pool.WaitForAsync("done", TaskState.Running);
        pool.Advance(TimeSpan.FromHours(1));
        await pool.WaitForAsync("done", TaskState.Completed);
        await pool.EventuallyAsync(async () => Assert.Contains("queue", await pool.RemindersOf("done")));
        Assert.Empty(await pool.Client.GetConsumptionAsync(Day1, Day2, "team-a"));

        faults.Heal("ITenantMeterGrain.Meter");
        var remindable = pool.Grains.GetGrain<IVGpuTaskGrain>("done").Cast<IRemindable>();
        await remindable.ReceiveReminder("queue", default);
        await remindable.ReceiveReminder("queue", default);
        var done = await Of(pool, "team-a");
        Assert.Equal((1.0, 1), (done.CardHours, done.Runs));

        // Told again, the run counts in its data centre too.
        var inDataCenter = await pool.Grains.GetGrain<ITenantMeterGrain>("team-a").ReadInDataCenter(Day1, Day2, "dc1");
        Assert.Equal((1.0, 1), (inDataCenter.Days.Sum(d => d.CardSeconds) / 3600, inDataCenter.Days.Sum(d => d.Runs)));
        await pool.EventuallyAsync(async () => Assert.DoesNotContain("queue", await pool.RemindersOf("done")));
    }

    [Fact]
    public async Task A_span_the_wrong_way_round_or_too_long_is_refused_naming_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        Assert.Equal("to", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.GetConsumptionAsync(Day2, Day1))).ParamName);
        Assert.StartsWith("to: the span must be at most 366 days",
            (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.GetConsumptionAsync(Day1, Day1.AddDays(366)))).Message);
        Assert.Equal("tenant", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.GetConsumptionAsync(Day1, Day2, " "))).ParamName);
        var dataCenter = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<ITenantMeterGrain>("team-a").ReadInDataCenter(Day1, Day2, "DC 1"));
        Assert.StartsWith("dataCenter 'DC 1' must be 1 to 63 characters", dataCenter.Message);
    }
}
