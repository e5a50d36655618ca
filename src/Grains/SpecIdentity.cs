using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Value equality of specs (records compare arrays by reference, which a round trip breaks).</summary>
public static class SpecIdentity
{
    public static bool Same(TaskSpec a, TaskSpec b) =>
        a with { Constraints = PlacementConstraints.None } == b with { Constraints = PlacementConstraints.None }
        && a.Constraints.DataCenter == b.Constraints.DataCenter
        && a.Constraints.GpuModels.AsSpan().SequenceEqual(b.Constraints.GpuModels.AsSpan());
}
