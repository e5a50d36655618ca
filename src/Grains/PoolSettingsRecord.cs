using Orion.Contracts;

namespace Orion.Grains;

/// <summary>The pool settings grain's persisted state: the settings as last changed live; null until the first change.</summary>
[GenerateSerializer, Alias("orion.PoolSettingsRecord")]
public sealed class PoolSettingsRecord
{
    [Id(0)]
    public PoolSettings? Settings { get; set; }

    /// <summary>Whether the default quota was set live (<see cref="DefaultQuota"/> then stands, null too), not the configuration's.</summary>
    [Id(1)]
    public bool DefaultQuotaSet { get; set; }

    /// <summary>The default quota as last set live.</summary>
    [Id(2)]
    public TenantQuota? DefaultQuota { get; set; }
}
