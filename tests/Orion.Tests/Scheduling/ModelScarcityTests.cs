using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class ModelScarcityTests
{
    private static PlacementRequest WholeOn(string model) => new(1, 1000, 0, 1000, 1024, [model]);

    [Fact]
    public void A_mix_without_tasks_bound_to_models_costs_nothing_and_measures_nothing()
    {
        var view = Of(Node("t4", gpus: 2, model: "T4"), Node("g2", gpus: 8, model: "G2"));
        var mix = WorkloadMix.FromRequests([Whole(1), Slice(500), Slice(300, models: ["T4"]) with { GpuCount = 0, ComputeMilli = 0 }], coverage: 1.0);

        Assert.False(new ModelScarcity().Measure(mix, [.. view.Nodes]));
    }

    [Fact]
    public void A_card_costs_the_demand_bound_to_its_model_times_how_much_scarcer_that_model_is_than_the_pool()
    {
        var t4 = Node("t4", gpus: 2, model: "T4");
        var g2 = Node("g2", gpus: 8, model: "G2");
        var view = Of(t4, g2);

        // Half the tasks take a whole T4, half a whole card of any model: 2 of the pool's 10 cards are T4.
        var mix = WorkloadMix.FromRequests([WholeOn("T4"), Whole(1)], coverage: 1.0);
        var scarcity = new ModelScarcity();
        Assert.True(scarcity.Measure(mix, [.. view.Nodes]));
        Assert.Equal(0.5 * (10_000.0 / 2_000 - 1) * 1000, scarcity.Cost(t4, [0], 1000), precision: 9);
        Assert.Equal(0, scarcity.Cost(g2, [0, 1], 1000));

        // Half a T4 in use: T4 is scarcer, so its cards cost more, per thousandth taken.
        Use(t4, 0, 500);
        Assert.True(scarcity.Measure(mix, [.. view.Nodes]));
        Assert.Equal(0.5 * (9_500.0 / 1_500 - 1) * 250, scarcity.Cost(t4, [1], 250), precision: 9);
    }

    [Fact]
    public void A_node_of_mixed_cards_costs_each_card_by_its_own_model()
    {
        var mixed = new NodeView("m", "dc1", 64_000, 262_144, [new GpuView("m/0", 0, "T4", 1000, 16_384), new GpuView("m/1", 1, "G2", 1000, 16_384)]);
        var view = Of(mixed, Node("g2", gpus: 2, model: "G2"));
        var mix = WorkloadMix.FromRequests([WholeOn("T4"), Whole(1)], coverage: 1.0);
        var scarcity = new ModelScarcity();
        Assert.True(scarcity.Measure(mix, [.. view.Nodes]));

        var t4Card = 0.5 * (4_000.0 / 1_000 - 1) * 1000;
        Assert.Equal(t4Card, scarcity.Cost(mixed, [0], 1000), precision: 9);
        Assert.Equal(0, scarcity.Cost(mixed, [1], 1000));
        Assert.Equal(t4Card, scarcity.Cost(mixed, [0, 1], 1000), precision: 9);
    }

    [Fact]
    public void A_task_free_to_run_anywhere_leaves_the_cards_of_the_model_that_bound_tasks_are_short_of()
    {
        // A fifth of the tasks need a T4, three tenths a G2, the rest any card; 2 of the 10 cards are T4. By fragments
        // alone a T4 card is the better one to take (G2-bound tasks, the more popular, cannot use it), but T4 is as
        // short of room for its bound tasks as G2 is plentiful for its own.
        var mix = WorkloadMix.FromRequests(
            [WholeOn("T4"), WholeOn("T4"), WholeOn("G2"), WholeOn("G2"), WholeOn("G2"), .. Enumerable.Repeat(Whole(1), 5)], coverage: 1.0);

        string Pick(FragmentationScoring scoring) =>
            new FragmentationAwarePolicy(mix, scoring).Choose(Of(Node("t4", gpus: 2, model: "T4"), Node("g2", gpus: 8, model: "G2")), Whole(1))!.Node.Id;

        Assert.Equal("t4", Pick(FragmentationScoring.Orion with { ModelScarcity = false }));
        Assert.Equal("g2", Pick(FragmentationScoring.Orion));

        // A task bound to T4 still goes to T4: every card it may take costs the same.
        Assert.Equal("t4", new FragmentationAwarePolicy(mix, FragmentationScoring.Orion)
            .Choose(Of(Node("t4", gpus: 2, model: "T4"), Node("g2", gpus: 8, model: "G2")), WholeOn("T4"))!.Node.Id);
    }

    [Fact]
    public void A_measure_kept_across_placements_releases_and_nodes_coming_and_going_agrees_with_one_taken_afresh()
    {
        var random = new Random(3);
        string[] models = ["T4", "G2", "V100"];
        NodeView NewNode(int i) => i % 5 == 4
            ? new NodeView($"n{i}", "dc1", 64_000, 262_144, [new GpuView($"n{i}/0", 0, "T4", 1000, 16_384), new GpuView($"n{i}/1", 1, "V100", 1000, 16_384)])
            : Node($"n{i}", gpus: 1 + random.Next(8), model: models[random.Next(models.Length)]);
        var nodes = Enumerable.Range(0, 12).Select(NewNode).ToList();
        var mix = WorkloadMix.FromRequests([WholeOn("T4"), WholeOn("V100"), Slice(300, models: ["G2", "V100"]), Whole(1)], coverage: 1.0);
        var kept = new ModelScarcity();
        var placed = new List<(PlacementChoice Choice, PlacementRequest Request)>();
        for (var step = 0; step < 400; step++)
        {
            var view = Of([.. nodes]);
            var roll = random.NextDouble();
            if (roll < 0.05)
            {
                // A node leaves (its tasks with it) or a new one joins.
                var gone = nodes[random.Next(nodes.Count)];
                placed.RemoveAll(p => ReferenceEquals(p.Choice.Node, gone));
                nodes.Remove(gone);
                nodes.Add(NewNode(100 + step));
            }
            else if (roll < 0.35 && placed.Count > 0)
            {
                var k = random.Next(placed.Count);
                ClusterView.Release(placed[k].Choice, placed[k].Request);
                placed.RemoveAt(k);
            }
            else
            {
                var node = view.Nodes[random.Next(view.Nodes.Count)];
                var gpu = random.Next(node.Gpus.Length);
                var request = Slice(100 * (1 + random.Next(5)));
                if (node.Gpus[gpu].ComputeFree >= request.ComputeMilli)
                {
                    var choice = new PlacementChoice(node, [gpu]);
                    ClusterView.Apply(choice, request);
                    placed.Add((choice, request));
                }
            }

            view = Of([.. nodes]);
            var fresh = new ModelScarcity();
            Assert.True(kept.Measure(mix, [.. view.Nodes]));
            Assert.True(fresh.Measure(mix, [.. view.Nodes]));
            foreach (var node in view.Nodes)
            {
                for (var g = 0; g < node.Gpus.Length; g++)
                {
                    Assert.Equal(fresh.Cost(node, [g], 1000), kept.Cost(node, [g], 1000), precision: 9);
                }
            }
        }
    }
}
