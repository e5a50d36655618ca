using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.Trace;

/// <summary>
/// The policies the trace benchmark compares. The baselines are the product's own policy classes; <c>fgd</c>
/// is FGD as the paper's simulator runs it (<see cref="PublishedFgdPolicy"/>), its typical mix given up front; <c>orion</c>
/// is the product's default exactly as the scheduler grain creates it, learning its mix from what arrives.
/// </summary>
public static class TracePolicies
{
    public const string Orion = "orion";
    public const string Fgd = "fgd";

    /// <summary>The product's policy without <see cref="FragmentationScoring.CountsLeftoverWaste"/> (the default before it; see placement.md).</summary>
    public const string OrionWithoutLeftover = "orion-no-leftover";

    public static IReadOnlyList<string> Names { get; } =
    [
        RandomPolicy.PolicyName, DotProductPolicy.PolicyName, GpuPackingPolicy.PolicyName, BestFitPolicy.PolicyName, Fgd, OrionWithoutLeftover, Orion,
    ];

    public static IPlacementPolicy Create(string name, TraceReplay replay, int seed) => name switch
    {
        Fgd => new PublishedFgdPolicy(replay.Requests),
        Orion => PlacementPolicies.Create(PlacementPolicies.Default, seed),
        OrionWithoutLeftover => new FragmentationAwarePolicy(scoring: FragmentationScoring.Orion with { CountsLeftoverWaste = false }),
        _ => PlacementPolicies.Create(name, seed),
    };
}
