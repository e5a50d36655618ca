using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// The tenants that have a quota, with their fair-share weights, kept in storage so the pool-wide view lists them and the
/// schedulers weigh them. Key: <see cref="GrainKeys.Pool"/>.
/// </summary>
[Alias("orion.ITenantDirectoryGrain")]
public interface ITenantDirectoryGrain : IGrainWithStringKey
{
    /// <summary>A tenant's grain says what quota it has now, null for none (idempotent).</summary>
    [Access(Callers.None)]
    [Alias("Set")]
    Task Set(string tenant, TenantQuota? quota);

    /// <summary>The tenants with a quota, by name.</summary>
    [Access(Callers.Anyone)]
    [Alias("List"), ReadOnly]
    Task<ImmutableArray<string>> List();

    /// <summary>A tenant's meter took in its first report: the tenant is listed among those with usage (idempotent).</summary>
    [Access(Callers.None)]
    [Alias("Metered")]
    Task Metered(string tenant);

    /// <summary>The tenants whose tasks have reported usage, by name.</summary>
    [Access(Callers.Anyone)]
    [Alias("ListMetered"), ReadOnly]
    Task<ImmutableArray<string>> ListMetered();

    /// <summary>The tenants whose fair-share weight is not 1, with their weights.</summary>
    [Access(Callers.Anyone)]
    [Alias("Weights"), ReadOnly]
    Task<ImmutableDictionary<string, double>> Weights();

    /// <summary>The tenants whose quota sets an idle timeout (<see cref="TenantQuota.IdleTimeout"/>), with it.</summary>
    [Access(Callers.None)]
    [Alias("IdleTimeouts"), ReadOnly]
    Task<ImmutableDictionary<string, TimeSpan>> IdleTimeouts();
}
