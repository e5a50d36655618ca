using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

/// <summary>Tasks of several cards land within one link group where the node has one; nothing a policy measures moves.</summary>
public sealed class LinkDomainPolicyTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    /// <summary>A node of eight A100s in two NVLink groups: cards 0–3 and 4–7.</summary>
    private static NodeView TwoGroups(string id = "dc1/n") =>
        new(id, "dc1", 64_000, 262_144, [.. Enumerable.Range(0, 8).Select(i => new GpuView($"{id}/{i}", i, "A100-80GB", 1000, 81_920) { LinkDomain = i / 4 })]);

    private static int[] Place(IPlacementPolicy policy, ClusterView view, PlacementRequest request)
    {
        var choice = policy.Choose(view, request)!;
        ClusterView.Apply(choice, request);
        return [.. choice.GpuIndexes.Order()];
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_keeps_a_task_of_several_cards_within_one_group_and_fills_the_smaller_group_first(string name)
    {
        var policy = new LinkDomainPolicy(PlacementPolicies.Create(name));
        var view = Of(TwoGroups());

        // One card: the groups are alike, so either; then the task of four takes the other, whole.
        var one = Place(policy, view, Whole(1));
        var four = Place(policy, view, Whole(4));
        Assert.Single(four.Select(i => i / 4).Distinct());
        Assert.NotEqual(one[0] / 4, four[0] / 4);

        // Three cards left, in the first card's group: a task of two fits there, and one of one after it too.
        Assert.Single(Place(policy, view, Whole(2)).Select(i => i / 4).Distinct());
        Assert.Equal(one[0] / 4, Place(policy, view, Whole(1))[0] / 4);
        Assert.Null(policy.Choose(view, Whole(1)));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_takes_a_node_with_a_whole_group_free_over_one_whose_free_cards_are_split(string name)
    {
        var policy = new LinkDomainPolicy(PlacementPolicies.Create(name));

        // Four cards in two groups on each node: "a" has one card taken in each group, "b" both cards of its first group.
        var split = new NodeView("dc1/a", "dc1", 64_000, 262_144, [.. Enumerable.Range(0, 4).Select(i => new GpuView($"dc1/a/{i}", i, "A100-80GB", 1000, 81_920) { LinkDomain = i / 2 })]);
        var whole = new NodeView("dc1/b", "dc1", 64_000, 262_144, [.. Enumerable.Range(0, 4).Select(i => new GpuView($"dc1/b/{i}", i, "A100-80GB", 1000, 81_920) { LinkDomain = i / 2 })]);
        Use(split, 0, 1000);
        Use(split, 2, 1000);
        Use(whole, 0, 1000);
        Use(whole, 1, 1000);
        var view = Of(split, whole);
        Assert.Equal(2, view.Grouped);

        var pair = policy.Choose(view, Whole(2))!;
        Assert.Equal("dc1/b", pair.Node.Id);
        Assert.Equal([2, 3], pair.GpuIndexes);

        // Once no node has a whole group free, the split one is taken all the same.
        ClusterView.Apply(pair, Whole(2));
        Assert.Equal("dc1/a", policy.Choose(view, Whole(2))!.Node.Id);
    }

    [Fact]
    public void A_task_that_fits_no_group_spans_the_fewest_and_a_single_card_goes_to_the_smallest_group_with_room()
    {
        var node = TwoGroups();
        Use(node, 0, 1000);
        Use(node, 1, 1000);

        // Two idle cards in the first group, four in the second: one card goes to the first, leaving the second whole.
        var choice = LinkDomainPolicy.WithinFewestDomains(new PlacementChoice(node, [5]));
        Assert.Equal([2], choice.GpuIndexes);

        // Five cards span two groups however they are picked: a choice spanning two is kept.
        var five = new PlacementChoice(node, [2, 3, 4, 5, 6]);
        Assert.Same(five, LinkDomainPolicy.WithinFewestDomains(five));

        // Four cards chosen across both groups go to the second, whole.
        Assert.Equal([4, 5, 6, 7], LinkDomainPolicy.WithinFewestDomains(new PlacementChoice(node, [2, 3, 4, 5])).GpuIndexes);

        // Already within one group, as tight as it gets: kept as chosen.
        var kept = new PlacementChoice(node, [2, 3]);
        Assert.Same(kept, LinkDomainPolicy.WithinFewestDomains(kept));
    }

    [Fact]
    public void A_card_in_another_state_is_never_traded_and_a_node_of_one_group_is_left_alone()
    {
        var node = TwoGroups();
        Use(node, 4, 500);

        // Half of card 4 was chosen for a half: only card 4 is in that state, so it stays.
        var half = new PlacementChoice(node, [4]);
        Assert.Same(half, LinkDomainPolicy.WithinFewestDomains(half));

        // Cards 3 (idle) and 4 (half taken) are not alike: nothing is traded.
        var mixed = new PlacementChoice(node, [3, 4]);
        Assert.Same(mixed, LinkDomainPolicy.WithinFewestDomains(mixed));

        var hostOnly = new PlacementChoice(node, []);
        Assert.Same(hostOnly, LinkDomainPolicy.WithinFewestDomains(hostOnly));

        var flat = Node("dc1/flat", gpus: 8);
        var spread = new PlacementChoice(flat, [3, 4]);
        Assert.Same(spread, LinkDomainPolicy.WithinFewestDomains(spread));
    }

    [Fact]
    public void Cards_group_by_their_links_directly_or_through_others()
    {
        // 0–1 and 1–2 linked: one group through card 1; 3 alone; 4–5.
        var links = new HashSet<(int, int)> { (0, 1), (1, 2), (4, 5) };
        Assert.Equal([0, 0, 0, 1, 2, 2], LinkDomains.Group(6, (i, j) => links.Contains((i, j))));
        Assert.Equal([0, 0, 1, 1, 2], LinkDomains.Consecutive(5, 2));
        Assert.Equal([0, 0, 0], LinkDomains.Consecutive(3, 0));
    }
}
