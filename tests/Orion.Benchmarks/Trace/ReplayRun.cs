using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.Trace;

/// <summary>The outcome of one seed's replay of a trace under one policy.</summary>
/// <param name="Seed">The seed of the arrival order and the inflation copies.</param>
/// <param name="Allocation">GPU allocation ratio (%) at each of <see cref="TraceReplay.Checkpoints"/> arrived %.</param>
/// <param name="FragmentationRate">Fragment ÷ idle GPU (%) at each checkpoint.</param>
/// <param name="Ceiling">The most any placement of the sharing pods placed by then could allocate (%) at each checkpoint (<see cref="PairingCeiling"/>).</param>
/// <param name="Pods">Pods that arrived (originals and copies).</param>
/// <param name="Failed">Pods that fitted nowhere when they arrived.</param>
/// <param name="ArrivedMilli">GPU requested by all arrived pods, failed ones included.</param>
/// <param name="AllocatedMilli">GPU held by placed pods at the end.</param>
/// <param name="PlacementSeconds">Time spent deciding and applying placements (metrics excluded).</param>
/// <param name="Cluster">The cluster as the replay left it.</param>
public sealed record ReplayRun(
    int Seed,
    double[] Allocation,
    double[] FragmentationRate,
    double[] Ceiling,
    int Pods,
    int Failed,
    long ArrivedMilli,
    long AllocatedMilli,
    double PlacementSeconds,
    ClusterView Cluster)
{
    /// <summary>Free GPU (% of capacity) on cards no pod holds, at each checkpoint.</summary>
    public double[] IdleCards { get; init; } = [];

    /// <summary>Free GPU (% of capacity) on cards pods hold in part, at each checkpoint: allocation + idle cards + crumbs = 100.</summary>
    public double[] Crumbs { get; init; } = [];

    /// <summary>The crumbs (% of capacity) the sharing pods placed by each checkpoint would leave packed offline (<see cref="OfflinePacking"/>).</summary>
    public double[] PackedCrumbs { get; init; } = [];
}
