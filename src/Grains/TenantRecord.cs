using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// A tenant grain's persisted state: its quota. The charges and the line are rebuilt from the task catalogue when the grain
/// activates, so an admission writes nothing.
/// </summary>
[GenerateSerializer, Alias("orion.TenantRecord")]
public sealed class TenantRecord
{
    [Id(0)]
    public TenantQuota? Quota { get; set; }
}
