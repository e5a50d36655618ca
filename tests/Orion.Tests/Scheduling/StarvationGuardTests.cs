using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

/// <summary>Which node is held for a starving task, and closing a held node to everyone else.</summary>
public sealed class StarvationGuardTests
{
    private static NodeSnapshot Node(string id, string model, int cards, int busy) =>
        new(id, "dc1", 64_000, 0, 262_144, 0,
            [.. Enumerable.Range(0, cards).Select(i => new GpuSnapshot(new GpuDevice($"{id}/{i}", i, model, 81_920, 1.0, 31.5, $"GPU-{id}-{i}"), 1000,
                i < busy ? [new GpuSlice($"{id}-t{i}", 1, 1000, 81_920, true)] : [], 1, MemoryCapacityMiB: 81_920))],
            true, 1);

    private static ClusterView View(params NodeSnapshot[] nodes)
    {
        var view = new ClusterView();
        foreach (var n in nodes)
        {
            view.Upsert(NodeView.FromSnapshot(n));
        }

        return view;
    }

    private static PlacementRequest Whole(int cards, params string[] models) =>
        PlacementRequest.From(new TaskSpec("train", "research", new TaskPriority(PriorityClass.Training), ResourceRequest.WholeGpus(cards, 4000, 16_384),
            models.Length == 0 ? PlacementConstraints.None : PlacementConstraints.Models(models), WorkloadSpec.Training(10, 100, 1024)));

    [Fact]
    public void The_node_closest_to_taking_it_is_held_among_those_it_fits_once_empty()
    {
        // n0 has two cards only; n1 has one of four free, n2 three of four, n3 all four but the wrong model.
        var view = View(Node("dc1/n0", "A100-80GB", 2, 0), Node("dc1/n1", "A100-80GB", 4, 3), Node("dc1/n2", "A100-80GB", 4, 1), Node("dc1/n3", "H100-80GB", 4, 0));
        Assert.Equal("dc1/n2", StarvationGuard.NodeToHold(view, Whole(4, "A100-80GB"))?.Id);
        Assert.False(StarvationGuard.CouldEverFit(view.Find("dc1/n0")!, Whole(4)));
        Assert.True(StarvationGuard.CouldEverFit(view.Find("dc1/n1")!, Whole(4)));
        Assert.False(StarvationGuard.CouldEverFit(view.Find("dc1/n3")!, Whole(4, "A100-80GB")));
        Assert.Null(StarvationGuard.NodeToHold(view, Whole(8)));
    }

    [Fact]
    public void A_closed_node_takes_nothing_until_it_opens_again()
    {
        var view = View(Node("dc1/n0", "A100-80GB", 4, 0));
        var node = view.Find("dc1/n0")!;
        var policy = PlacementPolicies.Create("best-fit");
        var revision = node.Revision;
        using (StarvationGuard.Close(node))
        {
            Assert.Null(policy.Choose(view, Whole(1)));
            Assert.NotEqual(revision, node.Revision);
        }

        Assert.True(node.Schedulable);
        Assert.NotNull(policy.Choose(view, Whole(1)));
    }

    [Fact]
    public void A_gang_holds_nodes_until_its_members_fit_on_them_together_once_emptied()
    {
        // n0 two cards, n1 and n2 four (n2 the closer to free), n3 four of the wrong model.
        var view = View(Node("dc1/n0", "A100-80GB", 2, 0), Node("dc1/n1", "A100-80GB", 4, 3), Node("dc1/n2", "A100-80GB", 4, 1), Node("dc1/n3", "H100-80GB", 4, 0));

        // Two members of two cards share one emptied four-card node. The largest goes first, each on a node already held
        // if it has room left, else on the node closest to taking it (n0, with two cards free now, before n1 with one).
        Assert.Equal(["dc1/n2"], StarvationGuard.NodesToHold(view, [Whole(2, "A100-80GB"), Whole(2, "A100-80GB")])!.Select(n => n.Id));
        Assert.Equal(["dc1/n2", "dc1/n0", "dc1/n1"], StarvationGuard.NodesToHold(view, [Whole(2, "A100-80GB"), Whole(4, "A100-80GB"), Whole(2, "A100-80GB")])!.Select(n => n.Id));

        // Host CPU counts too: two members of 40 cores do not share a 64-core node (n0 has two cards free now, n1 one).
        PlacementRequest Cpu(int cards) => Whole(cards, "A100-80GB") with { CpuMilli = 40_000 };
        Assert.Equal(["dc1/n2", "dc1/n0"], StarvationGuard.NodesToHold(view, [Cpu(1), Cpu(1)])!.Select(n => n.Id));

        // A member no node could ever take, or more members than the nodes hold, and nothing is held.
        Assert.Null(StarvationGuard.NodesToHold(view, [Whole(2, "A100-80GB"), Whole(8)]));
        Assert.Null(StarvationGuard.NodesToHold(view, [Whole(4, "A100-80GB"), Whole(4, "A100-80GB"), Whole(4, "A100-80GB")]));
    }

    [Fact]
    public void Slices_of_a_gang_share_an_emptied_card_only_while_its_compute_lasts()
    {
        var view = View(Node("dc1/n0", "A100-80GB", 1, 1), Node("dc1/n1", "A100-80GB", 1, 1));
        PlacementRequest Slice(int milli) => PlacementRequest.From(new TaskSpec("w", "research", new TaskPriority(PriorityClass.Offline),
            ResourceRequest.Slice(milli / 10.0, 8192, 1000, 1024), PlacementConstraints.None, WorkloadSpec.Batch(10, 100)));

        Assert.Equal(["dc1/n0"], StarvationGuard.NodesToHold(view, [Slice(400), Slice(600)])!.Select(n => n.Id));
        Assert.Equal(["dc1/n0", "dc1/n1"], StarvationGuard.NodesToHold(view, [Slice(400), Slice(700)])!.Select(n => n.Id));
    }
}
