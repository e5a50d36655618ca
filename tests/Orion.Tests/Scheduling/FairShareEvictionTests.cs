using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

/// <summary>Evicting offline work of tenants over their fair share for a task that fits nowhere (<see cref="FairShareEviction"/>).</summary>
public sealed class FairShareEvictionTests
{
    private const long CardMemory = 81_920;
    private static readonly HashSet<string> NoneBusy = [];
    private static readonly TaskPriority Offline = new(PriorityClass.Offline);

    // A whole card and a tenth of its memory.
    private static readonly PlacementRequest WholeCard = new(1, 1000, 8192, 1000, 1024, []);

    // One node of one card per task: (task, tenant, priority, gang).
    private static NodeSnapshot Node(int i, string? task = null, string tenant = "a", TaskPriority? priority = null, bool gang = false) =>
        new($"dc1/n{i}", "dc1", 64_000, 0, 262_144, 0,
            [new GpuSnapshot(new GpuDevice($"dc1/n{i}/0", 0, "A100-80GB", CardMemory, 1.0, 31.5, $"GPU-{i}"), 1000,
                task is null ? [] : [new GpuSlice(task, 1, 1000, 8192, false, priority ?? Offline, Tenant: tenant, Gang: gang)], 1)],
            true, 1);

    private static Func<string, (long, long)> Holding(IEnumerable<NodeSnapshot> nodes)
    {
        var holdings = new TenantHoldings();
        foreach (var n in nodes)
        {
            holdings.Update(n);
        }

        return holdings.Of;
    }

    private static string[] Plan(
        NodeSnapshot[] nodes, string[] waitingOf, IReadOnlyDictionary<string, double>? weights = null, IReadOnlyDictionary<string, double>? past = null) =>
        [.. FairShareEviction.Plan(nodes, [.. waitingOf.Select((tenant, i) => ($"{tenant}-wait{i}", WholeCard, tenant, 1000L, 8192L))], Holding(nodes),
                (nodes.Length * 1000L, nodes.Length * CardMemory), weights, past, NoneBusy, 16)
            .Select(p => $"{p.ForTaskId}@{p.NodeId}: {string.Join(", ", p.Victims.Select(v => v.TaskId))}")];

    [Fact]
    public void A_tenant_holding_every_card_loses_one_to_a_tenant_holding_none_and_keeps_as_much_as_it()
    {
        NodeSnapshot[] nodes = [Node(0, "a1"), Node(1, "a2")];
        Assert.Equal(["b-wait0@dc1/n0: a1"], Plan(nodes, ["b"]));

        // b already holds one of two: a would be left with none, less than b's two. Nothing is evicted.
        Assert.Empty(Plan([Node(0, "a1"), Node(1, "b1", tenant: "b")], ["b"]));
    }

    [Fact]
    public void Several_waiting_tasks_take_cards_only_while_the_tenant_evicted_from_keeps_at_least_their_tenants_share()
    {
        // a holds four of four; b waits for three: two are evicted for (a keeps 3 then 2 against b's 1 then 2), not the third.
        NodeSnapshot[] nodes = [Node(0, "a1"), Node(1, "a2"), Node(2, "a3"), Node(3, "a4")];
        Assert.Equal(["b-wait0@dc1/n0: a1", "b-wait1@dc1/n1: a2"], Plan(nodes, ["b", "b", "b"]));
    }

    [Fact]
    public void Only_offline_work_of_other_tenants_is_evicted_never_training_online_or_a_gangs_member()
    {
        var training = new TaskPriority(PriorityClass.Training);
        Assert.Empty(Plan([Node(0, "a1", priority: training), Node(1, "a2", priority: training)], ["b"]));
        Assert.Empty(Plan([Node(0, "a1", priority: new TaskPriority(PriorityClass.Online)), Node(1, "a2", priority: new TaskPriority(PriorityClass.Online))], ["b"]));
        Assert.Empty(Plan([Node(0, "a1", gang: true), Node(1, "a2", gang: true)], ["b"]));

        // Its own tenant's work is not evicted for it either.
        Assert.Empty(Plan([Node(0, "a1"), Node(1, "a2")], ["a"]));

        // A mix: the training task stays, the offline one goes.
        Assert.Equal(["b-wait0@dc1/n1: a2"], Plan([Node(0, "a1", priority: training), Node(1, "a2")], ["b"]));
    }

    [Fact]
    public void Weights_divide_the_shares_both_ways()
    {
        // a holds two of three cards, x one. Alike, a (2/3 → 1/3) keeps as much as b (1/3): evicted. Of weight 3, a's
        // 1/3 counts as 1/9, less than b's 1/3: not.
        NodeSnapshot[] nodes = [Node(0, "a1"), Node(1, "a2"), Node(2, "x1", tenant: "x")];
        Assert.Equal(["b-wait0@dc1/n0: a1"], Plan(nodes, ["b"]));
        Assert.Empty(Plan(nodes, ["b"], new Dictionary<string, double> { ["a"] = 3 }));

        // b of weight 0.5: its one card counts as 2/3, more than a keeps.
        Assert.Empty(Plan(nodes, ["b"], new Dictionary<string, double> { ["b"] = 0.5 }));
    }

    [Fact]
    public void Past_use_counts_beside_what_tenants_hold()
    {
        // a and x hold a card each of two: neither keeps as much as b would hold (a half) once one of theirs is gone.
        NodeSnapshot[] nodes = [Node(0, "a1"), Node(1, "x1", tenant: "x")];
        Assert.Empty(Plan(nodes, ["b"]));

        // a had 60% of the cards lately: it keeps 0.6 with its card gone, more than b's 0.5. x's task stays.
        Assert.Equal(["b-wait0@dc1/n0: a1"], Plan(nodes, ["b"], past: new Dictionary<string, double> { ["a"] = 0.6 }));

        // b's own past counts against it.
        Assert.Empty(Plan(nodes, ["b"], past: new Dictionary<string, double> { ["a"] = 0.6, ["b"] = 0.2 }));
    }

    [Fact]
    public void A_tenant_keeps_its_share_once_all_its_victims_on_a_node_are_gone_not_only_each_alone()
    {
        // Four cards: a's offline work holds two halves of n0 and half of n1 (1,500 of 4,000); x's training the rest. b needs
        // a whole card: only n0 could give one, by evicting both of a's halves. Each alone would leave a 1,000 (as much as
        // b would hold); both leave it 500: nothing is evicted.
        var training = new TaskPriority(PriorityClass.Training);
        GpuSlice Half(string task, string tenant, TaskPriority priority) => new(task, 1, 500, 8192, false, priority, Tenant: tenant);
        NodeSnapshot With(int i, params GpuSlice[] slices) => Node(i) with { Gpus = [Node(i).Gpus[0] with { Slices = [.. slices] }] };
        NodeSnapshot[] nodes =
        [
            With(0, Half("a1", "a", Offline), Half("a2", "a", Offline)), With(1, Half("a3", "a", Offline), Half("x1", "x", training)),
            Node(2, "x2", tenant: "x", priority: training), Node(3, "x3", tenant: "x", priority: training),
        ];
        Assert.Empty(Plan(nodes, ["b"]));

        // With a holding a card more (training on n2), both halves may go.
        NodeSnapshot[] more = [.. nodes[..2], Node(2, "a4", priority: training), nodes[3]];
        Assert.Equal(["b-wait0@dc1/n0: a1, a2"], Plan(more, ["b"]));
    }

    [Fact]
    public void A_whole_card_asks_the_cards_memory_and_a_slice_its_own_over_all_its_cards()
    {
        Assert.Equal((1000L, 81_920L), FairShareEviction.Asks(ResourceRequest.WholeGpus(1), 81_920));
        Assert.Equal((4000L, 4 * 81_920L), FairShareEviction.Asks(ResourceRequest.WholeGpus(4), 81_920));
        Assert.Equal((400L, 8192L), FairShareEviction.Asks(ResourceRequest.Slice(40, 8192, 1000, 1024), 81_920));
    }

    [Fact]
    public void A_busy_node_is_not_taken_from_and_a_task_that_fits_already_evicts_nothing()
    {
        NodeSnapshot[] nodes = [Node(0, "a1"), Node(1, "a2")];
        var plans = FairShareEviction.Plan(nodes, [("b-wait", WholeCard, "b", 1000L, 8192L)], Holding(nodes), (2000, 2 * CardMemory), null, null,
            new HashSet<string> { "dc1/n0" }, 16);
        Assert.Equal(("dc1/n1", "a2"), (Assert.Single(plans).NodeId, Assert.Single(Assert.Single(plans).Victims).TaskId));

        NodeSnapshot[] room = [Node(0, "a1"), Node(1)];
        Assert.Empty(Plan(room, ["b"]));
    }
}
