using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class SpreadRuleTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    private static PlacementRequest Replica(string group = "web", int maxPerDomain = 1, string tenant = "team-a") =>
        Slice(100) with { Spread = new SpreadRule(tenant, group, maxPerDomain) };

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_puts_a_groups_replicas_on_different_nodes_within_one_round(string name)
    {
        // Each node could take every replica; one round decides all four against the same view.
        var view = Of(Node("a"), Node("b"), Node("c"));
        var choices = PlacementRound.Decide(PlacementPolicies.Create(name), view, [Replica(), Replica(), Replica(), Replica()]);

        Assert.Equal(["a", "b", "c"], choices.Take(3).Select(c => c!.Node.Id).Order());
        Assert.Null(choices[3]);
        Assert.All(view.Nodes, n => Assert.Equal(1, n.SpreadCount("team-a", "web")));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_puts_at_most_the_groups_most_on_a_node(string name)
    {
        var view = Of(Node("a"), Node("b"));
        var choices = PlacementRound.Decide(PlacementPolicies.Create(name), view, [.. Enumerable.Repeat(Replica(maxPerDomain: 2), 5)]);

        Assert.Equal(4, choices.Count(c => c is not null));
        Assert.Null(choices[4]);
        Assert.All(view.Nodes, n => Assert.Equal(2, n.SpreadCount("team-a", "web")));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Another_group_or_another_tenants_group_of_the_same_name_is_not_kept_apart(string name)
    {
        var node = Node("only");
        var view = Of(node);
        var policy = PlacementPolicies.Create(name);
        Assert.NotNull(PlacementRound.Decide(policy, view, [Replica()])[0]);

        Assert.Null(policy.Choose(view, Replica()));
        Assert.NotNull(policy.Choose(view, Replica(group: "api")));
        Assert.NotNull(policy.Choose(view, Replica(tenant: "team-b")));
        Assert.NotNull(policy.Choose(view, Slice(100)));
    }

    [Fact]
    public void The_default_policy_does_not_take_a_nodes_cached_outcome_for_a_node_in_the_same_state_that_holds_the_group()
    {
        // Two nodes in the same state share what the policy caches per state; only "a" holds a replica (a task that holds
        // nothing the view counts, so the states stay equal).
        var a = Reported("a", spread: [new SpreadCount("team-a", "web", 1)]);
        var b = Reported("b");
        Assert.True(a.SameState(b));
        var view = Of(a, b);
        var policy = PlacementPolicies.Create(PlacementPolicies.Default);

        // A request of the same shape without the group, first: "a" wins the tie and its outcome is cached.
        Assert.Equal("a", policy.Choose(view, Slice(100))!.Node.Id);
        Assert.Equal("b", policy.Choose(view, Replica())!.Node.Id);
    }

    [Fact]
    public void A_node_view_counts_the_groups_its_snapshot_lists_and_a_decision_given_back_uncounts_it()
    {
        var node = Reported("n", spread: [new SpreadCount("team-a", "web", 2), new SpreadCount("team-b", "web", 1)]);
        Assert.Equal(2, node.SpreadCount("team-a", "web"));
        Assert.Equal(1, node.SpreadCount("team-b", "web"));
        Assert.Equal(0, node.SpreadCount("team-a", "api"));

        var view = Of(node);
        var choice = PlacementRound.Decide(PlacementPolicies.Create(PlacementPolicies.Default), view, [Replica(maxPerDomain: 3)])[0]!;
        Assert.Equal(3, node.SpreadCount("team-a", "web"));
        Assert.True(PlacementRound.Undo(view, choice, Replica(maxPerDomain: 3)));
        Assert.Equal(2, node.SpreadCount("team-a", "web"));
    }

    [Fact]
    public void A_node_account_that_differs_only_in_its_groups_does_not_match_the_view()
    {
        // The view keeps its own object for a node whose account matches; a replica that left must be seen to leave.
        var held = Reported("n", spread: [new SpreadCount("team-a", "web", 1)]);
        Assert.False(held.Matches(Reported("n")));
        Assert.False(held.Matches(Reported("n", spread: [new SpreadCount("team-a", "web", 2)])));
        Assert.True(held.Matches(Reported("n", spread: [new SpreadCount("team-a", "web", 1)])));
        Assert.Equal(1, held.CopyState().SpreadCount("team-a", "web"));
    }

    [Fact]
    public void A_starving_gang_of_replicas_holds_a_node_per_replica()
    {
        // Either node, emptied, has room for both members; kept apart, they need one each.
        var view = Of(Node("a", gpus: 8), Node("b", gpus: 8));
        Assert.Single(StarvationGuard.NodesToHold(view, [Whole(2), Whole(2)])!);
        var apart = Whole(2) with { Spread = new SpreadRule("team-a", "trainer", 1) };
        Assert.Equal(["a", "b"], StarvationGuard.NodesToHold(view, [apart, apart])!.Select(n => n.Id).Order());
        Assert.Null(StarvationGuard.NodesToHold(view, [apart, apart, apart]));
    }

    [Fact]
    public void A_task_spec_carries_its_group_and_tenant_into_placement()
    {
        var spec = Specs.Batch() with { Tenant = "team-a", Constraints = PlacementConstraints.SpreadOver("web", 2) };
        Assert.Equal(new SpreadRule("team-a", "web", 2), PlacementRequest.From(spec).Spread);
        Assert.Null(PlacementRequest.From(Specs.Batch()).Spread);
    }

[Theory]
    [MemberData(nameof(AllPolicies))]
    public void A_preferred_group_spreads_while_it_can_and_then_goes_where_the_group_is_thinnest(string name)
    {
        // As the scheduler wraps every policy.
        var policy = new SpreadPreferencePolicy(PlacementPolicies.Create(name));
        var view = Of(Node("a"), Node("b"));
        var preferred = Slice(100) with { Spread = new SpreadRule("team-a", "web", 1, Preferred: true) };
        var choices = PlacementRound.Decide(policy, view, [preferred, preferred, preferred, preferred, preferred]);

        Assert.All(choices, c => Assert.NotNull(c));
        Assert.Equal(["a", "b"], choices.Take(2).Select(c => c!.Node.Id).Order());
        Assert.Equal([3, 2], view.Nodes.Select(n => n.SpreadCount("team-a", "web")).OrderDescending());

        // The same group as a rule: the third waits.
        Assert.Null(policy.Choose(view, Replica()));
        Assert.Equal("0 of 2 nodes take it now: holding 1 of its spread group web already (2)", PlacementExplanation.Explain(view, Replica()));
    }

    private static PlacementRequest Zoned(bool preferred = false, int maxPerDomain = 1) =>
        Slice(100) with { Spread = new SpreadRule("team-a", "web", maxPerDomain, preferred, TopologyKey: "zone") };

    private static NodeView InZone(string id, string? zone, ImmutableArray<SpreadCount> spread = default, int gpus = 2, long version = 1) =>
        Reported(id, gpus, zone is null ? null : [("zone", zone), ("rack", $"r-{id}")], spread: spread, version: version);

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_spreads_a_group_with_a_topology_key_over_the_values_of_that_label_within_one_round(string name)
    {
        // Four labelled nodes in two zones, one node without a zone: one replica per zone, none on the unlabelled node.
        var view = Of(InZone("a", "x"), InZone("b", "x"), InZone("c", "y"), InZone("d", "y"), InZone("e", null));
        var choices = PlacementRound.Decide(PlacementPolicies.Create(name), view, [Zoned(), Zoned(), Zoned()]);

        Assert.Null(choices[2]);
        Assert.Equal(["x", "y"], choices.Take(2).Select(c => c!.Node.Labels!["zone"]).Order());
        Assert.Equal(1, view.DomainCount("team-a", "web", "zone", "x"));
        Assert.Equal(1, view.DomainCount("team-a", "web", "zone", "y"));
        Assert.Equal(0, view.Find("e")!.SpreadCount("team-a", "web"));

        // Two per zone: each zone takes one more, on either of its nodes.
        var two = PlacementRound.Decide(PlacementPolicies.Create(name), view, [Zoned(maxPerDomain: 2), Zoned(maxPerDomain: 2), Zoned(maxPerDomain: 2)]);
        Assert.Null(two[2]);
        Assert.Equal(2, view.DomainCount("team-a", "web", "zone", "x"));
        Assert.Equal(2, view.DomainCount("team-a", "web", "zone", "y"));
    }

    [Fact]
    public void A_zones_count_follows_decisions_given_back_and_nodes_whose_accounts_replace_them()
    {
        var view = Of(InZone("a", "x"), InZone("b", "x", [new SpreadCount("team-a", "web", 1)]), InZone("c", "y"));
        var rule = Zoned().Spread!;
        Assert.Equal(1, view.DomainCount("team-a", "web", "zone", "x"));
        Assert.False(rule.Allows(view.Find("a")!));
        Assert.True(rule.Allows(view.Find("c")!));

        // A decision counts in its zone at once, and undone, no longer.
        var choice = PlacementRound.Decide(PlacementPolicies.Create(PlacementPolicies.Default), view, [Zoned()])[0]!;
        Assert.Equal("c", choice.Node.Id);
        Assert.Equal(1, view.DomainCount("team-a", "web", "zone", "y"));
        Assert.True(PlacementRound.Undo(view, choice, Zoned()));
        Assert.Equal(0, view.DomainCount("team-a", "web", "zone", "y"));

        // b's replica ended (its account holds none) and then a new one started on c; a node relabelled moves its count.
        Assert.True(view.Upsert(InZone("b", "x", version: 2)));
        Assert.Equal(0, view.DomainCount("team-a", "web", "zone", "x"));
        Assert.True(view.Upsert(InZone("c", "y", [new SpreadCount("team-a", "web", 1)], version: 2)));
        Assert.Equal(1, view.DomainCount("team-a", "web", "zone", "y"));
        Assert.True(view.Upsert(InZone("c", "x", [new SpreadCount("team-a", "web", 1)], version: 3)));
        Assert.Equal(1, view.DomainCount("team-a", "web", "zone", "x"));
        Assert.Equal(0, view.DomainCount("team-a", "web", "zone", "y"));
        Assert.True(rule.Allows(view.Find("a")!) is false && rule.Allows(view.Find("b")!) is false);

        // A node without the label is in no zone.
        Assert.Equal(int.MaxValue, rule.Count(InZone("z", null)));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void A_preferred_group_over_zones_goes_to_the_thinnest_zone_and_to_an_unlabelled_node_only_when_no_zone_has_room(string name)
    {
        var policy = new SpreadPreferencePolicy(PlacementPolicies.Create(name));
        var view = Of(InZone("a", "x", gpus: 1), InZone("b", "y", gpus: 1), InZone("c", "y", gpus: 1), InZone("e", null, gpus: 1));
        var whole = Whole(1) with { Spread = Zoned(preferred: true).Spread };

        // x then y by the rule; then y's other node (x is full), beyond the most; then only the unlabelled node has room.
        var choices = PlacementRound.Decide(policy, view, [whole, whole, whole, whole, whole]);
        Assert.Equal(["a", "b", "c", "e"], choices.Take(4).Select(c => c!.Node.Id).Order());
        Assert.Null(choices[4]);
        Assert.Equal("e", choices[3]!.Node.Id);
        Assert.Equal(2, view.DomainCount("team-a", "web", "zone", "y"));

        // The same group as a rule never takes the unlabelled node.
        var hard = Of(InZone("a", "x", gpus: 1), InZone("e", null, gpus: 1));
        var rule = Whole(1) with { Spread = Zoned().Spread };
        var placed = PlacementRound.Decide(PlacementPolicies.Create(name), hard, [rule, rule]);
        Assert.Equal("a", placed[0]!.Node.Id);
        Assert.Null(placed[1]);
        Assert.Equal(
            "0 of 2 nodes take it now: in zone=x, which holds 1 of its spread group web already (1), without a zone label, over which its spread group web is spread (1)",
            PlacementExplanation.Explain(hard, rule));
    }

    [Fact]
    public void A_task_spec_carries_its_topology_key_into_placement_and_the_explanation_names_the_zone()
    {
        var spec = Specs.Batch() with { Tenant = "team-a", Constraints = PlacementConstraints.SpreadOver("web", topologyKey: "zone") };
        Assert.Equal(new SpreadRule("team-a", "web", 1, TopologyKey: "zone"), PlacementRequest.From(spec).Spread);

        var view = Of(InZone("a", "x", [new SpreadCount("team-a", "web", 1)]), InZone("b", "x"));
        Assert.Equal("0 of 2 nodes take it now: in zone=x, which holds 1 of its spread group web already (2)", PlacementExplanation.Explain(view, Zoned()));
    }
}
