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

    /// <summary>
    /// The product's policy without <see cref="FragmentationScoring.MaxSharingLift"/> and <see cref="FragmentationScoring.ModelScarcity"/>,
    /// its leftover waste table waiting for a full window (the default before the fourth quality pass; see placement.md).
    /// </summary>
    public const string OrionUnbounded = "orion-unbounded";

    /// <summary>The product's policy with shapes weighted by popularity alone (no <see cref="FragmentationScoring.PoorFillEmphasis"/>; the default before it).</summary>
    public const string OrionByPopularity = "orion-popularity";

    /// <summary>
    /// <c>orion-emphasis-K</c>: <c>orion-unbounded</c> with <see cref="FragmentationScoring.PoorFillEmphasis"/> = K, for the
    /// sensitivity table in placement.md (not part of <c>all</c>).
    /// </summary>
    public const string OrionEmphasisPrefix = "orion-emphasis-";

    public static IReadOnlyList<string> Names { get; } =
    [
        RandomPolicy.PolicyName, DotProductPolicy.PolicyName, GpuPackingPolicy.PolicyName, BestFitPolicy.PolicyName, Fgd, OrionWithoutLeftover, OrionByPopularity, OrionUnbounded, Orion,
    ];

    /// <summary>Whether the benchmark knows the policy name (one of <see cref="Names"/>, or an emphasis variant).</summary>
    public static bool Knows(string name) => Names.Contains(name) || Emphasis(name) is not null;

    private static double? Emphasis(string name) =>
        name.StartsWith(OrionEmphasisPrefix, StringComparison.Ordinal)
        && double.TryParse(name[OrionEmphasisPrefix.Length..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var k)
        && k >= 0 ? k : null;

    private static readonly FragmentationScoring Unbounded = FragmentationScoring.Orion with { MaxSharingLift = 0, ModelScarcity = false };

    /// <summary>The policy as it was before the fourth quality pass: the leftover waste table only once the window is full.</summary>
    private static FragmentationAwarePolicy Before(FragmentationScoring scoring) => new(scoring: scoring) { WasteAfter = 2000 };

    public static IPlacementPolicy Create(string name, TraceReplay replay, int seed) => name switch
    {
        Fgd => new PublishedFgdPolicy(replay.Requests),
        Orion => PlacementPolicies.Create(PlacementPolicies.Default, seed),
        OrionWithoutLeftover => Before(Unbounded with { CountsLeftoverWaste = false, PoorFillEmphasis = 0 }),
        OrionByPopularity => Before(Unbounded with { PoorFillEmphasis = 0 }),
        OrionUnbounded => Before(Unbounded),
        _ when Emphasis(name) is { } k => Before(Unbounded with { PoorFillEmphasis = k }),
        _ => PlacementPolicies.Create(name, seed),
    };
}
