using Microsoft.Extensions.DependencyInjection;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Room that frees goes to the tenant holding the least, not to whoever queued first.</summary>
public sealed class FairShareTests
{
    private static TaskSpec Card(string tenant) => Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1e9, tenant: tenant);

    [Fact]
    public async Task A_freed_card_goes_to_the_tenant_holding_the_least_not_to_the_task_queued_first()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);

        // Tenant a fills both cards and queues two more; b queues two after all of them.
        foreach (var id in new[] { "a1", "a2", "a3", "a4" })
        {
            await pool.SubmitAsync(Card("a"), id);
        }

        await pool.SubmitAsync(Card("b"), "b1");
        await pool.SubmitAsync(Card("b"), "b2");
        await pool.WaitForAsync("a2", TaskState.Running);
        Assert.Equal(["a3", "a4", "b1", "b2"], (await pool.SchedulerSnapshot()).Queue);

        // A card frees: b holds nothing and a holds one, so b's first task takes it, though a3 queued first.
        await pool.Client.CancelAsync("a1");
        await pool.WaitForAsync("b1", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("a3"))!.State);

        // Now a holds none and b one: a's next task, a3, takes the card before b2.
        await pool.Client.CancelAsync("a2");
        await pool.WaitForAsync("a3", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("b2"))!.State);
        await pool.AssertConsistentAsync(["a1", "a2", "a3", "a4", "b1", "b2"]);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task With_usage_history_counted_a_freed_card_goes_to_the_tenant_that_used_less_lately(bool history, bool meterDown)
    {
        // Settings read afresh each round: the change below is in force at once.
        var (faults, calls) = (new GrainCallFaults(), new GrainCallCounter());
        await using var pool = await StartAsync([Node("n0", gpus: 2)], settingsMaxAge: TimeSpan.Zero, faults: faults, calls: calls);
        if (history)
        {
            await pool.Client.UpdateSettingsAsync(fairShareHalfLife: TimeSpan.FromDays(1));
        }

        // a had both cards for six hours (the clock starts at 22:00: two days); its runs ended and were metered.
        await pool.SubmitAsync(Card("a"), "a1");
        await pool.SubmitAsync(Card("a"), "a2");
        await pool.WaitForAsync("a1", TaskState.Running);
        await pool.WaitForAsync("a2", TaskState.Running);
        pool.Advance(TimeSpan.FromHours(6));
        await pool.Client.CancelAsync("a1");
        await pool.Client.CancelAsync("a2");
        await pool.EventuallyAsync(async () =>
            Assert.Equal(12.0, Assert.Single(await pool.Client.GetConsumptionAsync(new(2026, 11, 29), new(2026, 11, 30), "a")).CardHours, 6));

        // x fills the cards; a queues a task, then b one. Neither holds anything now.
        await pool.SubmitAsync(Card("x"), "x1");
        await pool.SubmitAsync(Card("x"), "x2");
        await pool.WaitForAsync("x2", TaskState.Running);
        await pool.SubmitAsync(Card("a"), "a3");
        await pool.SubmitAsync(Card("b"), "b1");
        Assert.Equal(["a3", "b1"], (await pool.SchedulerSnapshot()).Queue);

        // A meter that cannot be read (never read before) counts as no history: the round goes on by holdings.
        if (meterDown)
        {
            faults.Fail("ITenantMeterGrain.ReadInDataCenter");
        }

        // A card frees: counting history, b, which has used nothing, takes it before a, which queued first; by holdings
        // alone they tie and a's earlier task goes.
        calls.Clear();
        await pool.Client.CancelAsync("x1");
        var (first, second) = history && !meterDown ? ("b1", "a3") : ("a3", "b1");
        await pool.WaitForAsync(first, TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync(second))!.State);
        if (history && !meterDown)
        {
            // The next card to free goes to a (its past share, 0.15, is less than b's half of the cards now), and the
            // scheduler counts a's history from its copy: a's meter was read once, for the first round.
            Assert.Equal(1, calls["ITenantMeterGrain.ReadInDataCenter@a"]);
            await pool.SubmitAsync(Card("b"), "b2");
            await pool.Client.CancelAsync("x2");
            await pool.WaitForAsync("a3", TaskState.Running);
            Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("b2"))!.State);
            Assert.Equal(1, calls["ITenantMeterGrain.ReadInDataCenter@a"]);
        }

        // The pool's view shows the past part of a's share (2 of 2 cards for 6 h, decayed over a half-life of a day).
        faults.Heal("ITenantMeterGrain.ReadInDataCenter");
        var shares = (await pool.Client.GetPoolAsync()).Shares.ToDictionary(s => s.Tenant);
        if (history)
        {
            Assert.InRange(shares["a"].PastShare!.Value, 0.1, 0.3);
            Assert.Equal(0, shares["b"].PastShare);

            // Dashboards ask every second: the client reads the meters again only once its copy is a minute old.
            calls.Clear();
            Assert.Equal(shares["a"].PastShare, (await pool.Client.GetPoolAsync()).Shares.Single(s => s.Tenant == "a").PastShare);
            Assert.Equal(0, calls["ITenantMeterGrain.Read@a"]);
        }
        else
        {
            Assert.Null(shares["a"].PastShare);
        }

        await pool.AssertConsistentAsync(history && !meterDown ? ["a1", "a2", "a3", "b1", "b2", "x1", "x2"] : ["a1", "a2", "a3", "b1", "x1", "x2"]);
    }

    [Fact]
    public async Task A_silos_copy_of_a_tenants_history_that_no_round_asked_for_lately_is_let_go()
    {
        // Copies at most 100 ms old are used: one no round asked for in a second (ten times that) is let go.
        await using var pool = await StartAsync([Node("n0", gpus: 1)], settingsMaxAge: TimeSpan.Zero,
            extraSettings: new Dictionary<string, string?> { ["Orion:Pool:FairShareHistoryMaxAge"] = "00:00:00.1" });
        await pool.Client.UpdateSettingsAsync(fairShareHalfLife: TimeSpan.FromDays(1));
        var history = pool.Cluster.GetSiloServiceProvider(pool.Cluster.Silos[0].SiloAddress).GetRequiredService<Orion.Grains.TenantHistory>();

        // x fills the card and a and b queue. The card frees: the round shares it between them, so the silo copies both
        // histories; a, queued first, takes it (neither has any).
        await pool.SubmitAsync(Card("x"), "x1");
        await pool.WaitForAsync("x1", TaskState.Running);
        await pool.SubmitAsync(Card("a"), "a1");
        await pool.SubmitAsync(Card("b"), "b1");
        Assert.Equal(0, history.Copies);
        await pool.Client.CancelAsync("x1");
        await pool.WaitForAsync("a1", TaskState.Running);
        Assert.Equal(2, history.Copies);

        // c queues. Later than a second on, a's task ends: the round between b and c asks for theirs, and a's copy goes.
        await pool.SubmitAsync(Card("c"), "c1");
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        await pool.Client.CancelAsync("a1");
        await pool.WaitForAsync("b1", TaskState.Running);
        Assert.Equal(2, history.Copies);
        await pool.AssertConsistentAsync(["x1", "a1", "b1", "c1"]);
    }

    [Fact]
    public async Task Usage_history_counts_in_the_data_centre_whose_cards_were_used()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("m0", gpus: 1, dc: "dc2")], settingsMaxAge: TimeSpan.Zero);
        await pool.Client.UpdateSettingsAsync(fairShareHalfLife: TimeSpan.FromDays(1));
        static TaskSpec In(string dataCenter, TaskSpec spec) => spec with { Constraints = spec.Constraints with { DataCenter = dataCenter } };

        // a had dc2's card for six hours; its run ended and was metered.
        await pool.SubmitAsync(In("dc2", Card("a")), "a0");
        await pool.WaitForAsync("a0", TaskState.Running);
        pool.Advance(TimeSpan.FromHours(6));
        await pool.Client.CancelAsync("a0");
        await pool.EventuallyAsync(async () =>
            Assert.Equal(6.0, Assert.Single(await pool.Client.GetConsumptionAsync(new(2026, 11, 29), new(2026, 11, 30), "a")).CardHours, 6));

        // In each data centre x fills the card, then a queues a task, then b.
        foreach (var dc in new[] { "dc1", "dc2" })
        {
            await pool.SubmitAsync(In(dc, Card("x")), $"x-{dc}");
            await pool.WaitForAsync($"x-{dc}", TaskState.Running);
            await pool.SubmitAsync(In(dc, Card("a")), $"a-{dc}");
            await pool.SubmitAsync(In(dc, Card("b")), $"b-{dc}");
        }

        // The cards free. In dc1, whose cards a never used, a and b tie and a's earlier task goes; in dc2, b, which used
        // nothing there, goes before a.
        await pool.Client.CancelAsync("x-dc1");
        await pool.Client.CancelAsync("x-dc2");
        await pool.WaitForAsync("a-dc1", TaskState.Running);
        await pool.WaitForAsync("b-dc2", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("b-dc1"))!.State);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("a-dc2"))!.State);
        await pool.AssertConsistentAsync(["a0", "x-dc1", "x-dc2", "a-dc1", "b-dc1", "a-dc2", "b-dc2"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_fair_share_eviction_a_tenant_holding_nothing_gets_a_card_from_one_holding_all_and_no_more(bool evict)
    {
        var gate = new GrainCallGate();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], settingsMaxAge: TimeSpan.Zero, gate: gate);
        var on = await pool.Client.UpdateSettingsAsync(fairShareEviction: evict);
        Assert.Equal(evict, on.FairShareEviction);

        // a's offline work holds both cards.
        await pool.SubmitAsync(Card("a"), "a1");
        await pool.SubmitAsync(Card("a"), "a2");
        var before = await Task.WhenAll(pool.WaitForAsync("a1", TaskState.Running), pool.WaitForAsync("a2", TaskState.Running));

        // b's first task: with eviction on, one of a's tasks is evicted (it queues again under a new generation) and b's
        // runs; a and b then hold a card each. Off, it waits. The eviction is held at a's task meanwhile: b1 says why it waits.
        var held = gate.Close("IVGpuTaskGrain.Evict");
        await pool.SubmitAsync(Card("b"), "b1");
        if (!evict)
        {
            pool.Advance(TimeSpan.FromSeconds(3));
            Assert.Equal(TaskState.Pending, await pool.StateOf("b1"));
            Assert.Equal(before.Select(t => (t.Generation, TaskState.Running)), (await Task.WhenAll(pool.Client.GetAsync("a1"), pool.Client.GetAsync("a2"))).Select(t => (t!.Generation, t.State)));
            Assert.False(held.IsCompleted);
            gate.Open("IVGpuTaskGrain.Evict");
            await pool.AssertConsistentAsync(["a1", "a2", "b1"]);
            return;
        }

        await held.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("room is being made for it on dc1/n0: a1 evicted; it runs there once they have left", await pool.Client.WhyWaitingAsync("b1"));
        gate.Open("IVGpuTaskGrain.Evict");
        var b1 = await pool.WaitForAsync("b1", TaskState.Running);
        var evicted = (await pool.Client.GetAsync("a1"))!;
        Assert.Equal((TaskState.Pending, before[0].Generation + 1), (evicted.State, evicted.Generation));
        Assert.Equal(TaskState.Running, await pool.StateOf("a2"));
        await pool.EventuallyAsync(async () =>
            Assert.Contains(await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100),
                e => e.Kind == PoolEventKinds.Eviction && e.TaskId == "a1" && e.Detail == "evicted for b1: its tenant holds more than its fair share"));

        // b's second task waits: evicting a's last card would leave a less than b. Nothing more is evicted.
        await pool.SubmitAsync(Card("b"), "b2");
        pool.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((TaskState.Pending, TaskState.Running, TaskState.Running), (await pool.StateOf("b2"), await pool.StateOf("a2"), await pool.StateOf("b1")));
        Assert.Equal(before[1].Generation, (await pool.Client.GetAsync("a2"))!.Generation);
        Assert.Equal(before[0].Placement!.GpuIds, b1.Placement!.GpuIds);
        await pool.AssertConsistentAsync(["a1", "a2", "b1", "b2"]);
    }

    [Fact]
    public async Task Fair_share_eviction_of_whole_cards_stops_at_an_even_split_and_the_two_tenants_never_evict_each_other_back()
    {
        // Whole cards (memory asked as 0: the card's), compute oversubscribed twice so memory is the dominant share: a fills
        // eight, then b queues eight. Four of a's are evicted, b runs four, and nothing more moves, though both tenants keep
        // tasks waiting and rounds keep looking.
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)], oversubscription: 2.0, settingsMaxAge: TimeSpan.Zero,
            indexResync: TimeSpan.FromMilliseconds(200), extraSettings: new Dictionary<string, string?> { ["Orion:Pool:FairShareEviction"] = "true" });
        static TaskSpec Whole(string tenant) =>
            new("job", tenant, new TaskPriority(PriorityClass.Offline), ResourceRequest.WholeGpus(1), PlacementConstraints.None, WorkloadSpec.Batch(1, 1e9));
        string[] a = [.. Enumerable.Range(1, 8).Select(i => $"a{i}")], b = [.. Enumerable.Range(1, 8).Select(i => $"b{i}")];
        foreach (var id in a)
        {
            await pool.SubmitAsync(Whole("a"), id);
        }

        foreach (var id in a)
        {
            await pool.WaitForAsync(id, TaskState.Running);
        }

        foreach (var id in b)
        {
            await pool.SubmitAsync(Whole("b"), id);
        }

        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(4, (await Task.WhenAll(b.Select(pool.StateOf))).Count(s => s == TaskState.Running));
        });

        // Resyncs run rounds over the queue while tasks wait: still four each, and only the four first evictions.
        for (var i = 0; i < 5; i++)
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        var all = (await Task.WhenAll(a.Concat(b).Select(id => pool.Client.GetAsync(id)))).Select(t => t!).ToList();
        Assert.Equal((4, 4), (all.Count(t => t.Spec.Tenant == "a" && t.State == TaskState.Running), all.Count(t => t.Spec.Tenant == "b" && t.State == TaskState.Running)));
        Assert.Equal(4, all.Count(t => t.Generation > 1));
        Assert.All(all.Where(t => t.Spec.Tenant == "b"), t => Assert.Equal(1, t.Generation));
        await pool.AssertConsistentAsync([.. a, .. b]);
    }

    [Fact]
    public async Task A_tenant_of_weight_three_takes_three_cards_for_each_one_of_a_tenant_of_weight_one()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        var weighted = await pool.Client.SetQuotaAsync("a", new TenantQuota(Weight: 3));
        Assert.Equal((3.0, 0), (weighted.Quota!.Weight!.Value, weighted.Waiting));
        Assert.Contains(await pool.Client.ListQuotasAsync(), u => u.Tenant == "a" && u.Quota!.Weight == 3);

        // x fills the cards; b queues three tasks, then a three.
        foreach (var id in new[] { "x1", "x2", "x3", "x4" })
        {
            await pool.SubmitAsync(Card("x"), id);
        }

        foreach (var id in new[] { "b1", "b2", "b3", "a1", "a2", "a3" })
        {
            var queued = await pool.SubmitAsync(Card(id[..1]), id);
            Assert.Null(queued.QuotaWait);
        }

        // Each card x frees goes to the tenant whose share over its weight is least (ties: the earlier task).
        foreach (var (freed, next) in new[] { ("x1", "b1"), ("x2", "a1"), ("x3", "a2"), ("x4", "a3") })
        {
            await pool.Client.CancelAsync(freed);
            await pool.WaitForAsync(next, TaskState.Running);
        }

        Assert.Equal(["b2", "b3"], (await pool.SchedulerSnapshot()).Queue);

        // A weight alone is no limit, and clearing it leaves the tenant unlisted.
        await pool.Client.SetQuotaAsync("a", null);
        Assert.DoesNotContain(await pool.Client.ListQuotasAsync(), u => u.Tenant == "a");
        await pool.AssertConsistentAsync(["x1", "x2", "x3", "x4", "b1", "b2", "b3", "a1", "a2", "a3"]);
    }
}
