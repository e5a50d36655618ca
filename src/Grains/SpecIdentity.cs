using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Value equality of specs (records compare arrays by reference, which a round trip breaks).</summary>
public static class SpecIdentity
{
    public static bool Same(TaskSpec a, TaskSpec b) =>
        Bare(a) == Bare(b)
        && (a.After ?? []).SequenceEqual(b.After ?? [], StringComparer.Ordinal)
        && NodeLabels.Same(a.Workload.Environment, b.Workload.Environment)
        && NodeLabels.Same(a.Labels, b.Labels)
        && Same(a.Constraints ?? PlacementConstraints.None, b.Constraints ?? PlacementConstraints.None);

    private static bool Same(PlacementConstraints a, PlacementConstraints b) =>
        Bare(a) == Bare(b)
        && a.GpuModels.AsSpan().SequenceEqual(b.GpuModels.AsSpan())
        && NodeLabels.Same(a.NodeSelector, b.NodeSelector)
        && (a.Tolerations ?? []).SequenceEqual(b.Tolerations ?? [], StringComparer.Ordinal)
        && (a.NodeAffinity ?? []).SequenceEqual(b.NodeAffinity ?? [], StringComparer.Ordinal)
        && (a.PreferredNodeAffinity ?? []).SequenceEqual(b.PreferredNodeAffinity ?? [], StringComparer.Ordinal);

    private static TaskSpec Bare(TaskSpec s) => s with { Constraints = PlacementConstraints.None, After = null, Labels = null, Workload = s.Workload with { Environment = null } };

    private static PlacementConstraints Bare(PlacementConstraints c) =>
        c with { GpuModels = [], NodeSelector = null, Tolerations = null, NodeAffinity = null, PreferredNodeAffinity = null };
}
