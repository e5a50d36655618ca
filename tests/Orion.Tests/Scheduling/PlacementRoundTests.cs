using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class PlacementRoundTests
{
    [Theory]
    [InlineData("fragmentation", 1)]
    [InlineData("best-fit", 2)]
    [InlineData("dot-product", 3)]
    public void A_round_decides_exactly_as_choosing_and_applying_one_at_a_time(string policyName, int seed)
    {
        var random = new Random(seed);
        var requests = Enumerable.Range(0, 60).Select(_ => random.Next(4) == 0
            ? Whole(1 + random.Next(2))
            : Slice(10 * random.Next(1, 101), 1024 * random.Next(1, 20))).ToList();
        NodeView[] Nodes() => [.. Enumerable.Range(0, 5).Select(i => Node($"n{i}", gpus: 1 + (i % 4), cpu: 24_000))];

        var one = Of(Nodes());
        var onePolicy = PlacementPolicies.Create(policyName, seed);
        var expected = requests.Select(r =>
        {
            var c = onePolicy.Choose(one, r);
            if (c is not null)
            {
                ClusterView.Apply(c, r);
            }

            return c is null ? null : $"{c.Node.Id}:{string.Join(",", c.GpuIndexes)}";
        }).ToList();

        var batched = Of(Nodes());
        var choices = PlacementRound.Decide(PlacementPolicies.Create(policyName, seed), batched, requests);

        Assert.Equal(expected, choices.Select(c => c is null ? null : $"{c.Node.Id}:{string.Join(",", c.GpuIndexes)}"));
        Assert.Contains(choices, c => c is null);
        Assert.Equal(one.Nodes.SelectMany(n => n.Gpus.Select(g => g.ComputeFree)), batched.Nodes.SelectMany(n => n.Gpus.Select(g => g.ComputeFree)));
    }

    [Fact]
    public void A_burst_never_puts_more_on_a_card_than_it_holds_and_every_decision_is_in_the_view()
    {
        var view = Of(Node("n0", gpus: 2), Node("n1", gpus: 2));
        var requests = Enumerable.Range(0, 20).Select(_ => Slice(300, 1024)).ToList();

        var choices = PlacementRound.Decide(PlacementPolicies.Create("best-fit"), view, requests);

        // Three 30% slices per card, four cards: twelve placed, eight told nothing fits.
        Assert.Equal(12, choices.Count(c => c is not null));
        foreach (var gpu in view.Nodes.SelectMany(n => n.Gpus))
        {
            var placed = choices.Count(c => c is not null && c.Gpus.Single().Id == gpu.Id);
            Assert.Equal(3, placed);
            Assert.Equal(1000 - placed * 300, gpu.ComputeFree);
            Assert.Equal(placed, gpu.Holders);
        }
    }

    [Fact]
    public void Undo_gives_a_refused_decision_back_only_on_the_node_account_it_was_applied_to()
    {
        var view = Of(Node("n0", gpus: 1));
        var requests = new[] { Slice(400), Slice(400) };
        var choices = PlacementRound.Decide(PlacementPolicies.Create("best-fit"), view, requests);
        Assert.Equal(200, view.Find("n0")!.Gpus[0].ComputeFree);

        Assert.True(PlacementRound.Undo(view, choices[1]!, requests[1]));
        Assert.Equal(600, view.Find("n0")!.Gpus[0].ComputeFree);

        // The node's own newer account replaced the one the first decision was applied to: nothing to give back there.
        var fresh = Node("n0", gpus: 1);
        Use(fresh, 0, 400);
        view.Upsert(fresh);
        Assert.False(PlacementRound.Undo(view, choices[0]!, requests[0]));
        Assert.Equal(600, view.Find("n0")!.Gpus[0].ComputeFree);
    }

    [Fact]
    public void A_node_account_that_matches_the_view_keeps_the_views_object_and_a_different_one_replaces_it()
    {
        var view = Of(Node("n0", gpus: 2));
        var requests = new[] { Slice(400) };
        var choice = PlacementRound.Decide(PlacementPolicies.Create("best-fit"), view, requests).Single()!;
        var held = view.Find("n0")!;
        var revision = held.Revision;

        // The node's account of the same reservation: the object (and what policies cached of it) stays.
        var same = Node("n0", gpus: 2);
        ClusterView.Apply(new PlacementChoice(same, choice.GpuIndexes), requests[0]);
        Assert.True(view.Upsert(same));
        Assert.Same(held, view.Find("n0"));
        Assert.Equal(revision, held.Revision);

        // An account with other allocations replaces it.
        var other = Node("n0", gpus: 2);
        ClusterView.Apply(new PlacementChoice(other, choice.GpuIndexes), Slice(500));
        Assert.True(view.Upsert(other));
        Assert.Same(other, view.Find("n0"));
    }

    [Fact]
    public void A_gang_is_decided_whole_largest_first_or_not_at_all_with_the_view_left_as_it_was()
    {
        // Two 4-card nodes, half of one card of each taken: room for one 3-card member per node, and a slice beside.
        NodeView[] Nodes()
        {
            var nodes = new[] { Node("n0"), Node("n1") };
            Use(nodes[0], 0, 500);
            Use(nodes[1], 0, 500);
            return nodes;
        }

        PlacementRequest[] fits = [Slice(500), Whole(3), Whole(3)];
        var view = Of(Nodes());
        var choices = PlacementRound.DecideAll(PlacementPolicies.Create("best-fit"), view, fits);
        Assert.NotNull(choices);
        Assert.Equal(3, choices[1].Gpus.Count());
        Assert.Equal(3, choices[2].Gpus.Count());
        Assert.NotEqual(choices[1].Node.Id, choices[2].Node.Id);
        Assert.Equal([0], choices[0].GpuIndexes);
        Assert.Equal(500, view.Nodes.SelectMany(n => n.Gpus).Sum(g => g.ComputeFree));

        // One member more than fits: nothing is taken.
        var full = Of(Nodes());
        var before = full.Nodes.SelectMany(n => n.Gpus.Select(g => (g.ComputeFree, g.MemoryFree, g.Holders))).ToArray();
        var cpu = full.Nodes.Select(n => (n.CpuFree, n.MemoryFree)).ToArray();
        Assert.Null(PlacementRound.DecideAll(PlacementPolicies.Create("best-fit"), full, [Whole(3), Slice(500), Whole(3), Whole(1)]));
        Assert.Equal(before, full.Nodes.SelectMany(n => n.Gpus.Select(g => (g.ComputeFree, g.MemoryFree, g.Holders))).ToArray());
        Assert.Equal(cpu, full.Nodes.Select(n => (n.CpuFree, n.MemoryFree)).ToArray());
    }
}
