namespace Orion.Grains;

/// <summary>The tenant directory's persisted state: the tenants that have a quota.</summary>
[GenerateSerializer, Alias("orion.TenantDirectory")]
public sealed class TenantDirectory
{
    [Id(0)]
    public SortedSet<string> Tenants { get; set; } = new(StringComparer.Ordinal);
}
