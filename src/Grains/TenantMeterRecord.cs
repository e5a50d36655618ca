using Orion.Contracts;
using Orion.Grains.Tenancy;

namespace Orion.Grains;

/// <summary>A tenant meter's persisted state: usage by UTC day, and what it has counted of each task.</summary>
[GenerateSerializer, Alias("orion.TenantMeterRecord")]
public sealed class TenantMeterRecord
{
    [Id(0)]
    public Dictionary<DateOnly, UsageDay> Days { get; set; } = [];

    [Id(1)]
    public Dictionary<string, MeteredTask> Tasks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Usage by UTC day of the tasks carrying each label, by <c>key=value</c>.</summary>
    [Id(3)]
    public Dictionary<string, Dictionary<DateOnly, UsageDay>> Labelled { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Usage by UTC day of the runs in each data centre, by its name.</summary>
    [Id(4)]
    public Dictionary<string, Dictionary<DateOnly, UsageDay>> InDataCenters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether the tenant directory lists this tenant among those with usage.</summary>
    [Id(2)]
    public bool Listed { get; set; }
}
