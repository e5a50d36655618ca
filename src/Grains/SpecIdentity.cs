using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Value equality of specs (records compare arrays by reference, which a round trip breaks).</summary>
public static class SpecIdentity
{
    public static bool Same(TaskSpec a, TaskSpec b) =>
        Bare(a) == Bare(b)
        && (a.After ?? []).SequenceEqual(b.After ?? [], StringComparer.Ordinal)
        && SameEnvironment(a.Workload.Environment, b.Workload.Environment)
        && a.Constraints.DataCenter == b.Constraints.DataCenter
        && a.Constraints.GpuModels.AsSpan().SequenceEqual(b.Constraints.GpuModels.AsSpan());

    private static TaskSpec Bare(TaskSpec s) => s with { Constraints = PlacementConstraints.None, After = null, Workload = s.Workload with { Environment = null } };

    private static bool SameEnvironment(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? ImmutableDictionary<string, string>.Empty).All(e => b!.TryGetValue(e.Key, out var v) && v == e.Value);
}
