using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Value equality of specs (records compare arrays by reference, which a round trip breaks).</summary>
public static class SpecIdentity
{
    public static bool Same(TaskSpec a, TaskSpec b) =>
        a with { Constraints = PlacementConstraints.None, After = null } == b with { Constraints = PlacementConstraints.None, After = null }
        && (a.After ?? []).SequenceEqual(b.After ?? [], StringComparer.Ordinal)
        && a.Constraints.DataCenter == b.Constraints.DataCenter
        && a.Constraints.GpuModels.AsSpan().SequenceEqual(b.Constraints.GpuModels.AsSpan());
}
