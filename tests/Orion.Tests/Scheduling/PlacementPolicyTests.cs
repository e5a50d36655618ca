using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class PlacementPolicyTests
{
    public static TheoryData<string> AllPolicies() => [.. PlacementPolicies.Names];

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Each_name_the_settings_accept_creates_the_policy_of_that_name(string name) =>
        Assert.Equal(name, PlacementPolicies.Create(name.ToUpperInvariant()).Name);

    [Fact]
    public void Best_fit_takes_the_fullest_node_and_the_tightest_card()
    {
        var a = Node("a", gpus: 2);
        var b = Node("b", gpus: 2);
        Use(a, 1, 600);
        var choice = new BestFitPolicy().Choose(Of(b, a), Slice(300))!;
        Assert.Equal("a", choice.Node.Id);
        Assert.Equal([1], choice.GpuIndexes);
    }

    [Fact]
    public void Spread_takes_the_emptiest_node_and_card()
    {
        var a = Node("a", gpus: 2);
        var b = Node("b", gpus: 2);
        Use(a, 1, 600);
        Use(b, 0, 100);
        var choice = new SpreadPolicy().Choose(Of(a, b), Slice(300))!;
        Assert.Equal("b", choice.Node.Id);
        Assert.Equal([1], choice.GpuIndexes);
    }

    [Fact]
    public void Gpu_packing_prefers_a_card_in_use_then_a_busy_node_then_an_idle_one()
    {
        var idle = Node("idle", gpus: 2);
        var busy = Node("busy", gpus: 2);
        Use(busy, 0, 900);
        var packing = new GpuPackingPolicy();

        // Card 0 of "busy" cannot take 300, so the next best is busy's idle card (a busy node) over the idle node.
        var first = packing.Choose(Of(idle, busy), Slice(300))!;
        Assert.Equal(("busy", 1), (first.Node.Id, first.GpuIndexes[0]));

        // Now busy/1 is a card in use with room: it wins over everything idle.
        ClusterView.Apply(first, Slice(300));
        var second = packing.Choose(Of(idle, busy), Slice(300))!;
        Assert.Equal(("busy", 1), (second.Node.Id, second.GpuIndexes[0]));
    }

    [Fact]
    public void Fragmentation_aware_keeps_cards_usable_for_the_task_mix_where_best_fit_strands_them()
    {
        // The mix is half-card tasks. A 40% task on the 60%-free card would leave 20% nobody in the mix can use.
        var node = Node("n", gpus: 2);
        Use(node, 0, 400);
        var policy = new FragmentationAwarePolicy();
        for (var i = 0; i < 20; i++)
        {
            policy.Observe(Slice(500));
        }

        var fgd = policy.Choose(Of(node), Slice(400))!;
        Assert.Equal([1], fgd.GpuIndexes);

        var bestFit = new BestFitPolicy().Choose(Of(node), Slice(400))!;
        Assert.Equal([0], bestFit.GpuIndexes);
    }

    [Fact]
    public void Fragmentation_aware_puts_whole_card_tasks_where_fewest_idle_cards_are_broken()
    {
        // Mix: whole single cards. Node x has one idle card of two; node y has two idle cards.
        // A 1-card task on x keeps y's pair usable for the 2-card tasks of the mix.
        var x = Node("x", gpus: 2);
        var y = Node("y", gpus: 2);
        Use(x, 0, 1000, 81_920);
        var mix = WorkloadMix.FromRequests([Whole(2), Whole(2), Slice(1000, 0)]);
        var choice = new FragmentationAwarePolicy(mix).Choose(Of(y, x), Slice(1000, 0))!;
        Assert.Equal("x", choice.Node.Id);
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Multi_gpu_requests_take_whole_idle_cards_on_one_node(string name)
    {
        var a = Node("a", gpus: 4);
        var b = Node("b", gpus: 4);
        Use(a, 2, 100);
        var choice = PlacementPolicies.Create(name, seed: 1).Choose(Of(a, b), Whole(4))!;
        Assert.Equal("b", choice.Node.Id);
        Assert.Equal(4, choice.GpuIndexes.Distinct().Count());

        var three = PlacementPolicies.Create(name, seed: 1).Choose(Of(a), Whole(3))!;
        Assert.DoesNotContain(2, three.GpuIndexes);
        Assert.Equal(3, three.GpuIndexes.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Every_policy_keeps_the_hard_constraints(string name)
    {
        var policy = PlacementPolicies.Create(name, seed: 7);
        var a100 = Node("a100", model: "A100-80GB", cpu: 2000, memory: 4096);
        var t4 = Node("t4", model: "T4-16GB", dc: "dc2");
        var view = Of(a100, t4);

        Assert.Equal("t4", policy.Choose(view, Slice(100, models: ["T4-16GB"]))!.Node.Id);
        Assert.Null(policy.Choose(view, Slice(100, models: ["H100-80GB"])));
        Assert.Equal("t4", policy.Choose(view, Slice(100, dc: "dc2"))!.Node.Id);
        Assert.Null(policy.Choose(view, Slice(100, dc: "dc3")));

        // CPU and host memory constrain like cards do: only t4 has 8 cores and 8 GiB to spare.
        Assert.Equal("t4", policy.Choose(view, Slice(100, cpu: 8000))!.Node.Id);
        Assert.Equal("t4", policy.Choose(view, Slice(100, hostMemory: 8192))!.Node.Id);
        Assert.Null(policy.Choose(view, Whole(5)));
        Assert.Null(policy.Choose(view, Slice(100, memory: 100_000)));
    }

    [Theory]
    [MemberData(nameof(AllPolicies))]
    public void Nothing_goes_to_a_card_that_is_full_or_held_whole(string name)
    {
        var n = Node("n", gpus: 2);
        ClusterView.Apply(new PlacementChoice(n, [0, 1]), Whole(2));
        Assert.Null(PlacementPolicies.Create(name).Choose(Of(n), Slice(10)));

        var m = Node("m", gpus: 1);
        Use(m, 0, 950);
        Assert.Null(PlacementPolicies.Create(name).Choose(Of(m), Slice(100)));
        Assert.NotNull(PlacementPolicies.Create(name).Choose(Of(m), Slice(50)));
    }

    [Fact]
    public void Unknown_policy_names_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => PlacementPolicies.Create("tetris"));
        Assert.Contains("best-fit", ex.Message);
    }

    [Fact]
    public void Random_is_reproducible_for_a_seed()
    {
        var picks = new List<string>();
        for (var run = 0; run < 2; run++)
        {
            var view = Of(Node("a"), Node("b"), Node("c"), Node("d"));
            var policy = new RandomPolicy(42);
            var sequence = string.Join(",", Enumerable.Range(0, 10).Select(_ =>
            {
                var c = policy.Choose(view, Slice(250))!;
                ClusterView.Apply(c, Slice(250));
                return $"{c.Node.Id}{c.GpuIndexes[0]}";
            }));
            picks.Add(sequence);
        }

        Assert.Equal(picks[0], picks[1]);
    }
}
