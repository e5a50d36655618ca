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
        && a.Constraints.DataCenter == b.Constraints.DataCenter
        && a.Constraints.GpuModels.AsSpan().SequenceEqual(b.Constraints.GpuModels.AsSpan());

    private static TaskSpec Bare(TaskSpec s) => s with { Constraints = PlacementConstraints.None, After = null, Labels = null, Workload = s.Workload with { Environment = null } };
}
