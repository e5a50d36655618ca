using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class NodeSelectorTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    private static readonly ImmutableDictionary<string, string> NvLink = ImmutableDictionary<string, string>.Empty.Add("fabric", "nvlink");

    private static NodeView Labelled(string id, params (string Key, string Value)[] labels) => Reported(id, labels: labels);

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_places_a_task_only_on_nodes_with_every_label_of_its_selector(string name)
    {
        // Three nodes in the same state: only their labels differ, so the default policy's cache per state must not decide.
        var view = Of(Labelled("a"), Labelled("b", ("fabric", "pcie")), Labelled("c", ("fabric", "nvlink"), ("rack", "r1")));
        var policy = PlacementPolicies.Create(name);
        Assert.NotNull(policy.Choose(view, Slice(100)));
        // All of a card each: c's two cards take two.
        var request = Slice(1000) with { NodeSelector = NvLink };
        var choices = PlacementRound.Decide(policy, view, [request, request, request]);
        Assert.All(choices.Take(2), c => Assert.Equal("c", c!.Node.Id));
        Assert.Null(choices[2]);
        Assert.Null(policy.Choose(view, Slice(100) with { NodeSelector = NvLink.Add("rack", "r2") }));
    }

    [Fact]
    public void Why_a_task_waits_names_the_labels_nodes_lack_and_a_starving_task_holds_only_a_node_with_them()
    {
        var view = Of(Labelled("a"), Labelled("b", ("fabric", "pcie")), Labelled("c", ("fabric", "nvlink")));
        var request = Whole(2) with { NodeSelector = NvLink.Add("rack", "r1") };
        Assert.Equal("0 of 3 nodes take it now: without the labels fabric=nvlink, rack=r1 (3)", PlacementExplanation.Explain(view, request));
        Assert.Null(StarvationGuard.NodeToHold(view, request));
        Assert.Equal("c", StarvationGuard.NodeToHold(view, Whole(2) with { NodeSelector = NvLink })!.Id);
    }

    [Fact]
    public void A_node_account_whose_labels_changed_does_not_match_the_view_and_a_copy_keeps_them()
    {
        var node = Labelled("n", ("fabric", "nvlink"));
        Assert.True(node.Matches(Labelled("n", ("fabric", "nvlink"))));
        Assert.False(node.Matches(Labelled("n", ("fabric", "pcie"))));
        Assert.False(node.Matches(Labelled("n")));
        Assert.Equal("nvlink", node.CopyState().Labels!["fabric"]);
    }

    [Theory]
    [InlineData("fabric=nvlink", null)]
    [InlineData("topology.orion.dev/rack=r-7.b", null)]
    [InlineData("empty=", null)]
    [InlineData("fabric", "--label: 'fabric' is not key=value")]
    [InlineData("=x", "--label: key '' " + NodeLabels.KeyRule)]
    [InlineData("-x=1", "--label: key '-x' " + NodeLabels.KeyRule)]
    [InlineData("k=a b", "--label: value 'a b' of k " + NodeLabels.ValueRule)]
    public void Labels_written_key_equals_value_parse_or_say_which_rule_they_break(string pair, string? error) =>
        Assert.Equal(error, NodeLabels.Parse([pair], "--label").Error);

    [Fact]
    public void A_key_given_twice_and_a_spec_selector_that_breaks_a_rule_are_refused_naming_the_key()
    {
        Assert.Equal("--label: fabric is given twice", NodeLabels.Parse(["fabric=a", "fabric=b"], "--label").Error);
        var spec = Specs.Batch() with { Constraints = PlacementConstraints.None with { NodeSelector = NvLink.Add("bad key", "x").Add("rack", "r 1") } };
        Assert.Equal(
            [new ValidationError("constraints.nodeSelector[bad key]", "key " + NodeLabels.KeyRule), new ValidationError("constraints.nodeSelector[rack]", "value " + NodeLabels.ValueRule)],
            SpecValidator.Validate(spec).ToArray());
    }
}
