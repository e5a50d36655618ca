using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

/// <summary>A round's order between tenants (dominant share, as in DRF) and what each tenant holds on the cards.</summary>
public sealed class FairShareOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    // Ten whole A100-80GB cards: 10,000 milli of compute, 819,200 MiB of memory.
    private static readonly (long, long) TenCards = (10_000, 819_200);

    private static QueuedTask Task(string id, string tenant, double percent = 100, long memoryMiB = 8192, PriorityClass priority = PriorityClass.Offline, int at = 0) =>
        new(id, 1, Specs.Batch(computePercent: percent, gpuMemoryMiB: memoryMiB, tenant: tenant, priority: priority), T0.AddSeconds(at));

    private static string[] Arrange(IReadOnlyList<QueuedTask> queued, Dictionary<string, (long, long)>? held = null) =>
        [.. FairShareOrder.Arrange(queued, t => held?.GetValueOrDefault(t) ?? default, () => TenCards).Select(t => t.TaskId)];

    [Fact]
    public void Tenants_holding_alike_take_turns_in_order_of_their_next_task()
    {
        QueuedTask[] queued = [Task("a1", "a"), Task("a2", "a", at: 1), Task("a3", "a", at: 2), Task("b1", "b", at: 3), Task("b2", "b", at: 4), Task("c1", "c", at: 5)];
        Assert.Equal(["a1", "b1", "c1", "a2", "b2", "a3"], Arrange(queued));
    }

    [Fact]
    public void A_tenant_that_holds_more_goes_after_those_that_hold_less_until_they_catch_up()
    {
        // a holds three cards; b, queued after all of a's tasks, goes first until it holds as much.
        QueuedTask[] queued = [Task("a1", "a"), Task("a2", "a", at: 1), Task("b1", "b", at: 2), Task("b2", "b", at: 3), Task("b3", "b", at: 4), Task("b4", "b", at: 5)];
        Assert.Equal(["b1", "b2", "b3", "a1", "b4", "a2"], Arrange(queued, new() { ["a"] = (3000, 3 * 8192) }));
    }

    [Fact]
    public void A_tenant_of_weight_three_is_offered_room_until_it_holds_three_times_the_share()
    {
        QueuedTask[] queued = [Task("b1", "b"), Task("b2", "b", at: 1), Task("b3", "b", at: 2), Task("a1", "a", at: 3), Task("a2", "a", at: 4), Task("a3", "a", at: 5), Task("a4", "a", at: 6)];
        var weighted = FairShareOrder.Arrange(queued, _ => default, () => TenCards, new Dictionary<string, double> { ["a"] = 3 }).Select(t => t.TaskId);
        Assert.Equal(["b1", "a1", "a2", "a3", "b2", "a4", "b3"], weighted);
    }

    [Fact]
    public void The_share_is_the_larger_of_compute_and_memory()
    {
        // a holds little compute but most of the memory: its dominant share is memory's, so b goes first.
        QueuedTask[] queued = [Task("a1", "a", percent: 10), Task("b1", "b", at: 1)];
        Assert.Equal(["b1", "a1"], Arrange(queued, new() { ["a"] = (500, 600_000), ["b"] = (4000, 4 * 8192) }));
        Assert.Equal(0.75, FairShare.DominantShare(500, 614_400, 10_000, 819_200));
    }

    [Fact]
    public void Priority_still_comes_first_and_fair_sharing_orders_within_each_priority()
    {
        QueuedTask[] queued =
        [
            Task("a-online", "a", priority: PriorityClass.Online), Task("b-online", "b", priority: PriorityClass.Online, at: 1),
            Task("a1", "a", at: 2), Task("a2", "a", at: 3), Task("b1", "b", at: 4),
        ];
        Assert.Equal(["b-online", "a-online", "b1", "a1", "a2"], Arrange(queued, new() { ["a"] = (2000, 16_384) }));
    }

    [Fact]
    public void Past_use_counts_beside_what_a_tenant_holds_and_its_weight_divides_both()
    {
        // Both hold nothing now; a had 30% of the cards lately: b goes first until it holds 30% (three cards), then they
        // take turns, a's next task first at equal shares only if it came first.
        QueuedTask[] queued = [Task("a1", "a"), Task("a2", "a", at: 1), Task("b1", "b", at: 2), Task("b2", "b", at: 3), Task("b3", "b", at: 4), Task("b4", "b", at: 5)];
        var past = new Dictionary<string, double> { ["a"] = 0.3 };
        Assert.Equal(["b1", "b2", "b3", "a1", "b4", "a2"], FairShareOrder.Arrange(queued, _ => default, () => TenCards, null, past).Select(t => t.TaskId));

        // The same past with holdings: b holds two cards now, so it passes a after one card.
        Assert.Equal(["b1", "a1", "b2", "a2", "b3", "b4"],
            FairShareOrder.Arrange(queued, t => t == "b" ? (2000, 2 * 8192) : default, () => TenCards, null, past).Select(t => t.TaskId));

        // a's weight of 3 divides its past too: 0.3 / 3 = 0.1, one card of b's.
        Assert.Equal(["b1", "a1", "b2", "a2", "b3", "b4"],
            FairShareOrder.Arrange(queued, _ => default, () => TenCards, new Dictionary<string, double> { ["a"] = 3 }, past).Select(t => t.TaskId));

        // Without past use the order is by holdings alone, as before.
        Assert.Equal(["a1", "b1", "a2", "b2", "b3", "b4"], FairShareOrder.Arrange(queued, _ => default, () => TenCards, null, null).Select(t => t.TaskId));
    }

    [Fact]
    public void A_whole_card_task_put_ahead_counts_the_cards_memory()
    {
        // Compute oversubscribed twice: a whole card is 5% of the compute and 10% of the memory; b's slices 5% and 1%. Put
        // ahead, a's first task makes a hold 10% (its memory), so b's two go before a's second.
        static QueuedTask Whole(string id, string tenant, int at) =>
            new(id, 1, new TaskSpec(id, tenant, new TaskPriority(PriorityClass.Offline), ResourceRequest.WholeGpus(1), PlacementConstraints.None, WorkloadSpec.Batch(1, 1)), T0.AddSeconds(at));
        QueuedTask[] queued = [Whole("a1", "a", 0), Whole("a2", "a", 1), Task("b1", "b", at: 2), Task("b2", "b", at: 3)];
        Assert.Equal(["a1", "b1", "b2", "a2"], FairShareOrder.Arrange(queued, _ => default, () => (20_000, 819_200), wholeCardMiB: 81_920).Select(t => t.TaskId));
    }

    [Fact]
    public void One_tenant_keeps_the_queue_order()
    {
        QueuedTask[] queued = [Task("a1", "a"), Task("a2", "a", at: 1)];
        Assert.Same(queued, FairShareOrder.Arrange(queued, _ => throw new InvalidOperationException("not asked"), () => throw new InvalidOperationException("not asked")));
    }

    [Fact]
    public void Holdings_follow_each_nodes_newest_snapshot()
    {
        var holdings = new TenantHoldings();
        holdings.Update(Snapshot("dc1/n0", [new GpuSlice("a1", 1, 500, 1000, false, Tenant: "a"), new GpuSlice("b1", 1, 300, 2000, false, Tenant: "b")], [new GpuSlice("a2", 1, 1000, 81_920, true, Tenant: "a")]));
        holdings.Update(Snapshot("dc1/n1", [new GpuSlice("a3", 1, 200, 500, false, Tenant: "a"), new GpuSlice("old", 1, 100, 100, false)]));
        Assert.Equal((1700, 83_420), holdings.Of("a"));
        Assert.Equal((300, 2000), holdings.Of("b"));

        // a1 and b1 ended on n0: only what n0 holds now counts.
        holdings.Update(Snapshot("dc1/n0", [], [new GpuSlice("a2", 1, 1000, 81_920, true, Tenant: "a")]));
        Assert.Equal((1200, 82_420), holdings.Of("a"));
        Assert.Equal((0, 0), holdings.Of("b"));
        Assert.Equal(1, holdings.Count);
    }

    private static NodeSnapshot Snapshot(string node, params GpuSlice[][] cards) =>
        new(node, "dc1", 64_000, 0, 262_144, 0,
            [.. cards.Select((slices, i) => new GpuSnapshot(new GpuDevice($"{node}/{i}", i, "A100-80GB", 81_920, 1.0, 31.5, $"GPU-{i}"), 1000, [.. slices], 1))],
            true, 1);
}
