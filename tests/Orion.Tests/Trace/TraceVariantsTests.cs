using Orion.Benchmarks.Trace;

namespace Orion.Tests.Trace;

public sealed class TraceVariantsTests
{
    private static readonly TraceNode[] Nodes = [new("a", 96_000, 393_216, 8, "G2"), new("b", 104_000, 524_288, 2, "T4")];

    private static IReadOnlyList<TracePod> Pods() =>
    [
        .. Enumerable.Range(0, 400).Select(i => new TracePod($"p{i}", 4000, 8192, 1, i % 4 == 0 ? 470 : 1000, [])),
        new("multi", 8000, 8192, 4, 1000, []),
        new("cpu", 8000, 8192, 0, 0, []),
    ];

    [Fact]
    public void Share_variant_makes_that_share_of_one_card_pods_share_with_the_files_own_shares()
    {
        var pods = TraceVariants.Apply(Pods(), Nodes, "share80");
        var oneCard = pods.Where(p => p.GpuCount == 1).ToList();
        Assert.InRange(oneCard.Count(p => p.GpuMilli < 1000), 280, 360);
        Assert.All(oneCard.Where(p => p.GpuMilli < 1000), p => Assert.Equal(470, p.GpuMilli));
        Assert.Equal(4, pods.Single(p => p.Name == "multi").GpuCount);
        Assert.Equal(0, TraceVariants.Apply(Pods(), Nodes, "share0").Count(p => p.GpuCount == 1 && p.GpuMilli < 1000));
    }

    [Fact]
    public void Multigpu_variant_turns_whole_card_pods_into_multi_card_ones_and_leaves_sharing_pods()
    {
        var pods = TraceVariants.Apply(Pods(), Nodes, "multigpu50");
        Assert.InRange(pods.Count(p => p.GpuCount == 4), 120, 180);
        Assert.Equal(100, pods.Count(p => p.GpuCount == 1 && p.GpuMilli == 470));
    }

    [Fact]
    public void Spec_variant_constrains_that_share_of_gpu_pods_to_models_of_the_cluster()
    {
        var pods = TraceVariants.Apply(Pods(), Nodes, "spec33");
        var constrained = pods.Where(p => p.GpuModels.Count > 0).ToList();
        Assert.InRange(constrained.Count, 100, 170);
        Assert.All(constrained, p => Assert.All(p.GpuModels, m => Assert.Contains(m, new[] { "G2", "T4" })));
        Assert.Empty(pods.Single(p => p.Name == "cpu").GpuModels);
    }

    [Fact]
    public void Variants_are_deterministic_and_unknown_ones_are_refused()
    {
        Assert.Equal(TraceVariants.Apply(Pods(), Nodes, "share40"), TraceVariants.Apply(Pods(), Nodes, "share40"));
        Assert.Throws<ArgumentException>(() => TraceVariants.Apply(Pods(), Nodes, "shares40"));
        Assert.Throws<ArgumentException>(() => TraceVariants.Apply(Pods(), Nodes, "share140"));
    }
}
