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
}
