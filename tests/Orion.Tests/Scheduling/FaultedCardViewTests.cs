using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

/// <summary>A broken card in a node's account: a scheduler's view leaves it out, so no policy places anything there.</summary>
public sealed class FaultedCardViewTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    private static NodeSnapshot Account(long version, params CardFault[] faults) =>
        new("dc1/n", "dc1", 64_000, 0, 262_144, 0,
            [.. Enumerable.Range(0, 4).Select(i => new GpuSnapshot(new GpuDevice($"dc1/n/{i}", i, "A100-80GB", 81_920, 1.0, 25, $"GPU-n-{i}"), 1000, [], 1))],
            true, version, Faults: [.. faults]);

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void No_policy_places_on_a_cordoned_card_while_the_nodes_other_cards_take_work(string name)
    {
        var policy = PlacementPolicies.Create(name);
        var account = Account(1) with { CordonedCards = ImmutableDictionary<string, string>.Empty.Add("dc1/n/2", "ECC errors rising") };
        var view = Of(NodeView.FromSnapshot(account));
        Assert.Equal(["dc1/n/0", "dc1/n/1", "dc1/n/3"], view.Nodes.Single().Gpus.Select(g => g.Id));
        Assert.Null(policy.Choose(view, Whole(4)));
        Assert.DoesNotContain("dc1/n/2", policy.Choose(view, Whole(3))!.Gpus.Select(g => g.Id));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void No_policy_places_on_a_broken_card_and_each_does_once_it_works_again(string name)
    {
        var policy = PlacementPolicies.Create(name);
        var view = Of(NodeView.FromSnapshot(Account(1, new CardFault("dc1/n/1", "Xid 79"))));
        Assert.Equal(["dc1/n/0", "dc1/n/2", "dc1/n/3"], view.Nodes.Single().Gpus.Select(g => g.Id));

        Assert.Null(policy.Choose(view, Whole(4)));
        Assert.Equal(["dc1/n/0", "dc1/n/2", "dc1/n/3"], policy.Choose(view, Whole(3))!.Gpus.Select(g => g.Id).Order());
        for (var i = 0; i < 3; i++)
        {
            var choice = policy.Choose(view, Whole(1))!;
            Assert.NotEqual("dc1/n/1", choice.Gpus.Single().Id);
            ClusterView.Apply(choice, Whole(1));
        }

        Assert.Null(policy.Choose(view, Slice(100)));

        // The daemon reports it healthy: the node's next account has all four again.
        view.Upsert(NodeView.FromSnapshot(Account(2)));
        Assert.Equal(4, view.Nodes.Single().Gpus.Length);
        Assert.NotNull(policy.Choose(view, Whole(4)));
    }

    [Fact]
    public void A_fault_named_for_a_card_the_account_lacks_leaves_the_cards_there()
    {
        var node = NodeView.FromSnapshot(Account(1, new CardFault("dc1/other/0", "Xid 79")));
        Assert.Equal(["dc1/n/0", "dc1/n/1", "dc1/n/2", "dc1/n/3"], node.Gpus.Select(g => g.Id));
    }
}
