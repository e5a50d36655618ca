using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class NodeAffinityTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    private static NodeView Labelled(string id, params (string Key, string Value)[] labels) => Reported(id, labels: labels);

    private static PlacementRequest With(params string[] rules) => Slice(100) with { Affinity = [.. rules.Select(r => NodeRequirement.Parse(r)!)] };

    [Theory]
    [InlineData("zone in (a, b)", "zone in (a,b)")]
    [InlineData("  zone   in(a,b,a) ", "zone in (a,b)")]
    [InlineData("zone notin (c)", "zone!=c")]
    [InlineData("zone notin (c, d)", "zone notin (c,d)")]
    [InlineData("zone=a", "zone=a")]
    [InlineData("zone==a", "zone=a")]
    [InlineData("zone = a", "zone=a")]
    [InlineData("zone!=a", "zone!=a")]
    [InlineData("topology.example.com/rack", "topology.example.com/rack")]
    [InlineData("!flaky", "!flaky")]
    [InlineData("zone=", "zone=")]
    [InlineData("zone in (a", null)]
    [InlineData("zone within (a)", null)]
    [InlineData("zone in ()", null)]
    [InlineData("zone in (a,)", null)]
    [InlineData("-zone", null)]
    [InlineData("zone=a b", null)]
    [InlineData("!", null)]
    [InlineData("", null)]
    [InlineData("in (a)", null)]
    public void A_rule_reads_as_a_set_based_selector_and_writes_back_canonically(string text, string? canonical) =>
        Assert.Equal(canonical, NodeRequirement.Parse(text)?.ToString());

    [Theory]
    [InlineData("zone in (a,b)", true)]
    [InlineData("zone in (b)", false)]
    [InlineData("zone notin (b)", true)]
    [InlineData("zone notin (a,b)", false)]
    [InlineData("rack notin (x)", true)]
    [InlineData("fabric", true)]
    [InlineData("rack", false)]
    [InlineData("!rack", true)]
    [InlineData("!fabric", false)]
    [InlineData("zone=a", true)]
    [InlineData("zone!=a", false)]
    [InlineData("rack!=x", true)]
    [InlineData("rack=x", false)]
    public void A_rule_is_met_by_a_nodes_labels_as_kubernetes_reads_it(string rule, bool met)
    {
        var labels = ImmutableDictionary<string, string>.Empty.Add("zone", "a").Add("fabric", "nvlink");
        Assert.Equal(met, NodeRequirement.Parse(rule)!.Matches(labels));
        var none = NodeRequirement.Parse(rule)!.Matches(null);
        Assert.Equal(rule.StartsWith('!') || rule.Contains("notin", StringComparison.Ordinal) || rule.Contains("!=", StringComparison.Ordinal), none);
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_places_only_on_nodes_meeting_every_rule(string name)
    {
        var view = Of(Labelled("a", ("zone", "a")), Labelled("b", ("zone", "b")), Labelled("c", ("zone", "c"), ("flaky", "yes")), Labelled("d"));
        var policy = PlacementPolicies.Create(name);
        Assert.Contains(policy.Choose(view, With("zone in (b,c)"))!.Node.Id, new[] { "b", "c" });
        Assert.Equal("b", policy.Choose(view, With("zone in (b,c)", "!flaky"))!.Node.Id);
        Assert.Equal("d", policy.Choose(view, With("!zone"))!.Node.Id);
        Assert.Contains(policy.Choose(view, With("zone notin (a,b)"))!.Node.Id, new[] { "c", "d" });
        Assert.Null(policy.Choose(view, With("zone in (e)")));

        // Placed round by round against the same view: four slices that may use only b's two cards, then no more.
        var onB = With("zone=b") with { ComputeMilli = 500 };
        var placed = PlacementRound.Decide(policy, view, [onB, onB, onB, onB, onB]);
        Assert.All(placed.Take(4), c => Assert.Equal("b", c!.Node.Id));
        Assert.Null(placed[4]);
    }

    [Fact]
    public void A_task_that_no_node_meets_is_told_which_rules_each_node_misses()
    {
        var view = Of(Labelled("a", ("zone", "a")), Labelled("c", ("zone", "c"), ("flaky", "yes")));
        Assert.Equal("0 of 2 nodes take it now: not meeting its node affinity zone in (b,c) (1), not meeting its node affinity !flaky (1)",
            PlacementExplanation.Explain(view, With("zone in (b,c)", "!flaky")));
        Assert.Equal("0 of 2 nodes take it now: without the labels rack=r7 (2)",
            PlacementExplanation.Explain(view, With("!flaky") with { NodeSelector = ImmutableDictionary<string, string>.Empty.Add("rack", "r7") }));
    }

    [Fact]
    public void A_task_spec_carries_its_node_affinity_into_placement()
    {
        var spec = Specs.Batch() with { Constraints = PlacementConstraints.None with { NodeAffinity = ["zone in (a,b)", "!flaky"] } };
        Assert.Equal(["zone in (a,b)", "!flaky"], PlacementRequest.From(spec).Affinity!.Select(a => a.ToString()));
        Assert.Null(PlacementRequest.From(Specs.Batch()).Affinity);

        // A rule that does not read is met by no node (submissions are checked before this).
        var stored = Specs.Batch() with { Constraints = PlacementConstraints.None with { NodeAffinity = ["zone in (a"] } };
        Assert.False(Feasibility.LabelsMatch(Labelled("a", ("zone", "a")), PlacementRequest.From(stored)));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Preferred_rules_choose_a_node_meeting_them_all_then_fewer_from_the_last_then_any(string name)
    {
        // As the scheduler wraps every policy. One card per node, so each placement fills its node.
        var policy = new AffinityPreferencePolicy(PlacementPolicies.Create(name));
        var view = Of(Labelled("a", ("zone", "b")), Labelled("b", ("zone", "a")), Labelled("c", ("zone", "a"), ("tier", "new")), Labelled("d", ("zone", "c")));
        var whole = Whole(2) with { Preferred = [NodeRequirement.Parse("zone=a")!, NodeRequirement.Parse("tier=new")!] };
        var placed = PlacementRound.Decide(policy, view, [whole, whole, whole, whole, whole]);

        // Both rules: c; the first alone: b; then any node (a or d, as the policy likes), and none once all are full.
        Assert.Equal(["c", "b"], placed.Take(2).Select(c => c!.Node.Id));
        Assert.Equal(["a", "d"], placed.Skip(2).Take(2).Select(c => c!.Node.Id).Order());
        Assert.Null(placed[4]);

        // Required rules still bind: preferring zone a never puts a task outside zone c when it needs c.
        var fresh = Of(Labelled("a", ("zone", "a")), Labelled("c", ("zone", "c")));
        var needsC = Whole(2) with { Affinity = [NodeRequirement.Parse("zone=c")!], Preferred = [NodeRequirement.Parse("zone=a")!] };
        Assert.Equal("c", policy.Choose(fresh, needsC)!.Node.Id);
        Assert.Equal("a", policy.Choose(fresh, Whole(2) with { Preferred = [NodeRequirement.Parse("zone=a")!] })!.Node.Id);
    }
}
