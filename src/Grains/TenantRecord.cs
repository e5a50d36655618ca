using Orion.Contracts;
using Orion.Grains.Tenancy;

namespace Orion.Grains;

/// <summary>A tenant grain's persisted state: its quota and, while it has one, the charge of each live task and the line of waiting ones.</summary>
[GenerateSerializer, Alias("orion.TenantRecord")]
public sealed class TenantRecord
{
    [Id(0)]
    public TenantQuota? Quota { get; set; }

    [Id(1)]
    public Dictionary<string, TenantCharge> Charges { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public List<TenantWaiter> Line { get; set; } = [];
}
