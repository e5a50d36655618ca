using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>The tenants that have a quota, kept in storage so the pool-wide view lists them. Key: <see cref="GrainKeys.Pool"/>.</summary>
[Alias("orion.ITenantDirectoryGrain")]
public interface ITenantDirectoryGrain : IGrainWithStringKey
{
    /// <summary>A tenant's grain says whether it has a quota now (idempotent).</summary>
    [Alias("Set")]
    Task Set(string tenant, bool hasQuota);

    /// <summary>The tenants with a quota, by name.</summary>
    [Alias("List"), ReadOnly]
    Task<ImmutableArray<string>> List();
}
