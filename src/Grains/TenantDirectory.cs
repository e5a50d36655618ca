namespace Orion.Grains;

/// <summary>The tenant directory's persisted state: the tenants that have a quota, and their weights.</summary>
[GenerateSerializer, Alias("orion.TenantDirectory")]
public sealed class TenantDirectory
{
    [Id(0)]
    public SortedSet<string> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The fair-share weights that are not 1, by tenant.</summary>
    [Id(1)]
    public Dictionary<string, double> Weights { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The tenants whose tasks have reported usage to their meters.</summary>
    [Id(2)]
    public SortedSet<string> Metered { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The idle timeouts tenants' quotas set, by tenant.</summary>
    [Id(3)]
    public Dictionary<string, TimeSpan> IdleTimeouts { get; set; } = new(StringComparer.Ordinal);
}
