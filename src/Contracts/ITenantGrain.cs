using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// A tenant's quota and what its live tasks are charged against it. Every new task asks it for admission before it is
/// queued, and tells it when it ends. Key: the tenant's name.
/// </summary>
[Alias("orion.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Charges a new task against the quota (idempotent per task). Empty when admitted, else why not, naming the field:
    /// nothing is charged then.
    /// </summary>
    [Alias("Admit")]
    Task<ImmutableArray<ValidationError>> Admit(string taskId, ResourceRequest request);

    /// <summary>A task ended: its charge goes back.</summary>
    [Alias("Release"), OneWay]
    Task Release(string taskId);

    /// <summary>
    /// Sets the quota, or removes it (null, or no limit set). The tenant's live tasks are charged from the moment a quota
    /// is first set.
    /// </summary>
    /// <exception cref="ArgumentException">The quota breaks a rule of <see cref="TenantQuota.Validate"/>; nothing was changed.</exception>
    [Alias("SetQuota")]
    Task<TenantUsage> SetQuota(TenantQuota? quota);

    /// <summary>The quota and what the tenant's live tasks ask.</summary>
    [Alias("GetUsage")]
    Task<TenantUsage> GetUsage();
}
