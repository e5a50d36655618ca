using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class SpreadRuleTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    private static PlacementRequest Replica(string group = "web", int maxPerNode = 1, string tenant = "team-a") =>
        Slice(100) with { Spread = new SpreadRule(tenant, group, maxPerNode) };

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
        var choices = PlacementRound.Decide(PlacementPolicies.Create(name), view, [.. Enumerable.Repeat(Replica(maxPerNode: 2), 5)]);

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
        var a = NodeView.FromSnapshot(Snapshot("a", [new SpreadCount("team-a", "web", 1)]));
        var b = NodeView.FromSnapshot(Snapshot("b", []));
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
        var node = NodeView.FromSnapshot(Snapshot("n", [new SpreadCount("team-a", "web", 2), new SpreadCount("team-b", "web", 1)]));
        Assert.Equal(2, node.SpreadCount("team-a", "web"));
        Assert.Equal(1, node.SpreadCount("team-b", "web"));
        Assert.Equal(0, node.SpreadCount("team-a", "api"));

        var view = Of(node);
        var choice = PlacementRound.Decide(PlacementPolicies.Create(PlacementPolicies.Default), view, [Replica(maxPerNode: 3)])[0]!;
        Assert.Equal(3, node.SpreadCount("team-a", "web"));
        Assert.True(PlacementRound.Undo(view, choice, Replica(maxPerNode: 3)));
        Assert.Equal(2, node.SpreadCount("team-a", "web"));
    }

    [Fact]
    public void A_node_account_that_differs_only_in_its_groups_does_not_match_the_view()
    {
        // The view keeps its own object for a node whose account matches; a replica that left must be seen to leave.
        var held = NodeView.FromSnapshot(Snapshot("n", [new SpreadCount("team-a", "web", 1)]));
        Assert.False(held.Matches(NodeView.FromSnapshot(Snapshot("n", []))));
        Assert.False(held.Matches(NodeView.FromSnapshot(Snapshot("n", [new SpreadCount("team-a", "web", 2)]))));
        Assert.True(held.Matches(NodeView.FromSnapshot(Snapshot("n", [new SpreadCount("team-a", "web", 1)]))));
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

    private static NodeSnapshot Snapshot(string id, ImmutableArray<SpreadCount> spread) =>
        new(id, "dc1", 64_000, 0, 262_144, 0,
            [.. Enumerable.Range(0, 2).Select(i => new GpuSnapshot(new GpuDevice($"{id}/{i}", i, "A100-80GB", 81_920, 1.0, 25, $"GPU-{id}-{i}"), 1000, [], 1))],
            true, 1, Spread: spread);
}
