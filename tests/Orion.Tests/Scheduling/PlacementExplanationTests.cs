using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class PlacementExplanationTests
{
    [Fact]
    public void Each_node_counts_under_the_first_rule_it_breaks_most_common_first()
    {
        var cordoned = NodeView.FromSnapshot(Snapshot("dc1/off", schedulable: false));
        var replica = NodeView.FromSnapshot(Snapshot("dc1/rep", spread: [new SpreadCount("team-a", "web", 1)]));
        var busyHost = Node("dc1/cpu1", cpu: 4000);
        var busyHost2 = Node("dc1/cpu2", cpu: 4000);
        var fullCards = Node("dc1/full", gpus: 1);
        Use(fullCards, 0, 900);
        var request = Slice(300, cpu: 8000) with { Spread = new SpreadRule("team-a", "web", 1) };

        Assert.Equal(
            "0 of 5 nodes take it now: too little free CPU for 8,000 milli (2), cordoned or without a daemon (1), "
            + "holding 1 of its spread group web already (1), no card with room for 30% compute and 8,192 MiB (1)",
            PlacementExplanation.Explain(Of(cordoned, replica, busyHost, busyHost2, fullCards), request));
    }

    [Fact]
    public void Cards_models_memory_and_held_nodes_are_named()
    {
        var small = Node("dc1/small", gpus: 2);
        var other = Node("dc1/h100", gpus: 8, model: "H100-80GB");
        var tight = Node("dc1/tight", memory: 1024);
        var held = Node("dc1/held", gpus: 8);
        var view = Of(small, other, tight, held);

        Assert.Equal(
            "0 of 4 nodes take it now: held for a task or gang waiting past the starvation limit (1), "
            + "too little free host memory for 4,096 MiB (1), fewer than 4 cards (1), fewer than 4 cards of model A100-80GB (1)",
            PlacementExplanation.Explain(view, Whole(4, hostMemory: 4096) with { GpuModels = ["A100-80GB"] }, n => n.Id == "dc1/held"));
        Use(held, 0, 100);
        Assert.Equal("0 of 1 node takes it now: fewer than 8 idle cards (1)", PlacementExplanation.Explain(Of(held), Whole(8)));
        Assert.Equal("0 of 1 node takes it now: no card of model L4 (1)", PlacementExplanation.Explain(Of(small), Slice(100, models: ["L4"])));
    }

    [Fact]
    public void Nodes_that_take_it_are_named_and_an_empty_data_centre_is_said()
    {
        var open = Node("dc1/a");
        var off = NodeView.FromSnapshot(Snapshot("dc1/b", schedulable: false));
        Assert.Equal("1 of 2 nodes takes it now (dc1/a): it is placed at its scheduler's next round; the rest: cordoned or without a daemon (1)",
            PlacementExplanation.Explain(Of(open, off), Slice(100)));
        Assert.Equal("no node reports to this data centre's scheduler", PlacementExplanation.Explain(Of(), Slice(100)));
    }

    private static NodeSnapshot Snapshot(string id, bool schedulable = true, ImmutableArray<SpreadCount> spread = default) =>
        new(id, "dc1", 64_000, 0, 262_144, 0,
            [.. Enumerable.Range(0, 4).Select(i => new GpuSnapshot(new GpuDevice($"{id}/{i}", i, "A100-80GB", 81_920, 1.0, 25, $"GPU-{id}-{i}"), 1000, [], 1))],
            schedulable, 1, Spread: spread);
}
