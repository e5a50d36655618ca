using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class TaintTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    private static readonly ImmutableDictionary<string, string> Training = ImmutableDictionary<string, string>.Empty.Add("dedicated", "training");

    private static NodeView Tainted(string id, ImmutableDictionary<string, string>? taints, int gpus = 2) => Reported(id, gpus, taints: taints);

    [Theory]
    [InlineData(null, true)]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "dedicated" }, true)]
    [InlineData(new[] { "dedicated=training" }, true)]
    [InlineData(new[] { "other", "dedicated=training" }, true)]
    [InlineData(new[] { "dedicated=inference" }, false)]
    [InlineData(new[] { "dedicated=train" }, false)]
    [InlineData(new[] { "dedicated=trainingx" }, false)]
    [InlineData(new[] { "dedicate" }, false)]
    [InlineData(new[] { "dedicatedx=training" }, false)]
    public void A_toleration_is_the_taints_key_alone_or_its_key_and_value(string[]? tolerations, bool ok)
    {
        Assert.True(NodeTaints.Tolerates(null, tolerations));
        Assert.True(NodeTaints.Tolerates(ImmutableDictionary<string, string>.Empty, tolerations));
        var taints = Training.Add("gpu", "flaky");
        Assert.Equal(ok && tolerations is { Length: > 0 }, NodeTaints.Tolerates(Training, tolerations));

        // Every taint must be tolerated: one more taint needs one more toleration.
        Assert.False(NodeTaints.Tolerates(taints, tolerations));
        Assert.Equal(ok && tolerations is { Length: > 0 }, NodeTaints.Tolerates(taints, [.. tolerations ?? [], "gpu"]));
        Assert.Equal(ok && tolerations is { Length: > 0 } ? ["gpu=flaky"] : ["dedicated=training", "gpu=flaky"], NodeTaints.NotTolerated(taints, tolerations));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_keeps_work_that_does_not_tolerate_a_taint_off_the_node_and_lets_work_that_does_on(string name)
    {
        // The tainted node is the better fit for every policy's taste: one card used on the plain node, none on it.
        var plain = Tainted("a-plain", null);
        Use(plain, 0, 500);
        var view = Of(plain, Tainted("b-kept", Training));
        var policy = PlacementPolicies.Create(name);
        var untolerated = Whole(2);
        Assert.Null(policy.Choose(view, untolerated));
        Assert.Equal("0 of 2 nodes take it now: tainted dedicated=training, which it does not tolerate (1), fewer than 2 idle cards (1)",
            PlacementExplanation.Explain(view, untolerated));

        var tolerated = untolerated with { Tolerations = ["dedicated"] };
        Assert.Equal("b-kept", policy.Choose(view, tolerated)!.Node.Id);
        Assert.Equal("b-kept", policy.Choose(view, untolerated with { Tolerations = ["dedicated=training"] })!.Node.Id);
        Assert.Null(policy.Choose(view, untolerated with { Tolerations = ["dedicated=inference"] }));

        // A slice that does not tolerate it goes to the plain node; tolerating does not keep work off plain nodes.
        Assert.Equal("a-plain", policy.Choose(view, Slice(100))!.Node.Id);
        Assert.Equal("a-plain", policy.Choose(Of(plain), Slice(100) with { Tolerations = ["dedicated"] })!.Node.Id);
    }

    [Fact]
    public void A_starving_task_is_held_a_node_it_may_run_on_only()
    {
        var view = Of(Tainted("a", Training, gpus: 8), Tainted("b", null, gpus: 4));
        Assert.Null(StarvationGuard.NodesToHold(view, [Whole(8)]));
        Assert.Equal("a", Assert.Single(StarvationGuard.NodesToHold(view, [Whole(8) with { Tolerations = ["dedicated"] }])!).Id);
    }

    [Fact]
    public void A_task_spec_carries_its_tolerations_into_placement_and_a_node_view_its_taints()
    {
        var spec = Specs.Batch() with { Constraints = PlacementConstraints.None with { Tolerations = ["dedicated=training"] } };
        Assert.Equal(["dedicated=training"], PlacementRequest.From(spec).Tolerations!);
        Assert.Null(PlacementRequest.From(Specs.Batch()).Tolerations);
        var node = Tainted("n", Training);
        Assert.Equal("training", node.Taints!["dedicated"]);
        Assert.Equal("training", node.CopyState().Taints!["dedicated"]);
        Assert.True(Tainted("s", Spot).CopyState().SoftTainted);

        // An account that differs only in its taints is not the node the view holds.
        Assert.False(node.Matches(Tainted("n", null)));
        Assert.True(node.Matches(Tainted("n", Training)));
    }

    [Theory]
    [InlineData(new[] { "pool=ci", "team-" }, "pool=ci", "team", null)]
    [InlineData(new[] { "pool=" }, "pool=", "", null)]
    [InlineData(new[] { "pool=ci", "pool-" }, "", "", "label: pool is both set and removed")]
    [InlineData(new[] { "pool=ci", "pool=cd" }, "", "", "label: pool is given twice")]
    [InlineData(new[] { "-x-" }, "", "", "label: key '-x' " + NodeLabels.KeyRule)]
    [InlineData(new[] { "pool" }, "", "", "label: 'pool' is not key=value")]
    [InlineData(new string[0], "", "", "label: give key=value to set or key- to remove")]
    public void Marks_are_read_as_key_value_to_set_and_key_dash_to_remove(string[] items, string set, string remove, string? error)
    {
        var (marks, said) = NodeMarks.Parse(items, "label");
        Assert.Equal(error, said);
        Assert.Equal(set, string.Join(",", (marks.Set ?? ImmutableDictionary<string, string>.Empty).Select(m => $"{m.Key}={m.Value}")));
        Assert.Equal(remove, string.Join(",", marks.Remove.IsDefault ? [] : marks.Remove));
    }
    private static readonly ImmutableDictionary<string, string> Spot = ImmutableDictionary<string, string>.Empty.Add("spot", "yes" + NodeTaints.SoftSuffix);

    [Fact]
    public void A_soft_taint_binds_only_when_asked_and_is_tolerated_as_a_hard_one_is()
    {
        Assert.True(NodeTaints.Tolerates(Spot, null));
        Assert.False(NodeTaints.Tolerates(Spot, null, soft: true));
        Assert.True(NodeTaints.Tolerates(Spot, ["spot=yes"], soft: true));
        Assert.True(NodeTaints.Tolerates(Spot, ["spot"], soft: true));
        Assert.False(NodeTaints.Tolerates(Spot.Add("dedicated", "training"), ["spot"]));
        Assert.Empty(NodeTaints.NotTolerated(Spot, null));
        Assert.Equal(["spot=yes:PreferNoSchedule"], NodeTaints.NotTolerated(Spot, null, soft: true));
        Assert.True(NodeTaints.AnySoft(Spot));
        Assert.False(NodeTaints.AnySoft(Training));
    }

    [Theory]
    [InlineData("spot=yes:PreferNoSchedule", "spot", "yes:PreferNoSchedule")]
    [InlineData("dedicated=training", "dedicated", "training")]
    [InlineData("spot=:PreferNoSchedule", "spot", ":PreferNoSchedule")]
    public void Taints_are_written_as_labels_with_an_optional_soft_effect(string written, string key, string value)
    {
        var (taints, error) = NodeTaints.Parse([written], "--taint");
        Assert.Null(error);
        Assert.Equal(value, taints[key]);
        Assert.Empty(NodeTaints.Check(taints, "taints"));
    }

    [Theory]
    [InlineData("spot=yes:NoExecute", "--taint: value 'yes:NoExecute' of spot " + NodeLabels.ValueRule)]
    [InlineData("spot=a b:PreferNoSchedule", "--taint: value 'a b' of spot " + NodeLabels.ValueRule)]
    public void Anything_else_is_refused_naming_the_rule(string written, string error)
    {
        Assert.Equal(error, NodeTaints.Parse([written], "--taint").Error);
        Assert.Equal(("taints[spot]", "value " + NodeTaints.ValueRule),
            Assert.Single(NodeTaints.Check(ImmutableDictionary<string, string>.Empty.Add("spot", written.Split('=')[1]), "taints")) is var e ? (e.Field, e.Rule) : default);
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Work_that_does_not_tolerate_a_soft_taint_goes_there_only_once_other_nodes_are_full(string name)
    {
        // As the scheduler wraps every policy. The soft-tainted node is emptier: what spreading policies prefer.
        var policy = new TaintPreferencePolicy(PlacementPolicies.Create(name));
        var plain = Tainted("a-plain", null);
        Use(plain, 0, 500);
        var view = Of(plain, Tainted("b-spot", Spot));
        Assert.Equal(1, view.SoftTainted);
        var placed = PlacementRound.Decide(policy, view, [Slice(500), Slice(500), Slice(500), Slice(500)]);
        Assert.Equal(["a-plain", "a-plain", "a-plain", "b-spot"], placed.Select(c => c!.Node.Id));

        // The other way round: the soft-tainted node half used, what packing policies prefer; the plain one still fills first.
        var spot = Tainted("b-spot", Spot);
        Use(spot, 0, 500);
        var packed = PlacementRound.Decide(policy, Of(Tainted("a-plain", null), spot), [Slice(500), Slice(500), Slice(500), Slice(500), Slice(500)]);
        Assert.Equal(["a-plain", "a-plain", "a-plain", "a-plain", "b-spot"], packed.Select(c => c!.Node.Id));

        // Tolerating it, work goes where the policy alone would put it (random draws: no one answer to compare).
        if (name != "random")
        {
            var fresh = Of(Tainted("a-plain", null), Tainted("b-spot", Spot));
            Use(fresh.Find("a-plain")!, 0, 500);
            var tolerant = Slice(100) with { Tolerations = ["spot"] };
            Assert.Equal(PlacementPolicies.Create(name).Choose(fresh, tolerant)!.Node.Id, policy.Choose(fresh, tolerant)!.Node.Id);
        }
    }
}
