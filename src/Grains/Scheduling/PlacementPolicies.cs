using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>The policies by name, for configuration and benchmarks.</summary>
public static class PlacementPolicies
{
    /// <summary>The product's default.</summary>
    public const string Default = FragmentationAwarePolicy.PolicyName;

    /// <summary>The names a pool's settings accept (the SDK checks them too): each creates the policy of that name.</summary>
    public static IReadOnlyList<string> Names => PoolSettingsRules.PolicyNames;

    /// <summary>Creates a policy by name; throws naming the known ones when the name is unknown.</summary>
    public static IPlacementPolicy Create(string name, int seed = 0) => name.ToLowerInvariant() switch
    {
        RandomPolicy.PolicyName => new RandomPolicy(seed),
        SpreadPolicy.PolicyName => new SpreadPolicy(),
        DotProductPolicy.PolicyName => new DotProductPolicy(),
        GpuPackingPolicy.PolicyName => new GpuPackingPolicy(),
        BestFitPolicy.PolicyName => new BestFitPolicy(),
        FragmentationAwarePolicy.PolicyName => new FragmentationAwarePolicy(),
        _ => throw new ArgumentException($"placement policy '{name}' is unknown; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
