using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>The pool's live settings (<see cref="PoolSettings"/>), kept in storage. Key: <see cref="GrainKeys.Pool"/>.</summary>
[Alias("orion.IPoolSettingsGrain")]
public interface IPoolSettingsGrain : IGrainWithStringKey
{
    /// <summary>The settings in force.</summary>
    [Access(Callers.Anyone)]
    [Alias("Get"), ReadOnly]
    Task<PoolSettings> Get();

    /// <summary>
    /// Changes the settings given (null: unchanged; a <paramref name="fairShareHalfLife"/> of zero: off) for every silo:
    /// schedulers use a new policy (and evict, move or weigh history or not) from their next round,
    /// and each node's cards take a new capacity at its next heartbeat. Work already placed stays where it is, also when
    /// a lower oversubscription leaves a card holding more than it would now take.
    /// </summary>
    /// <exception cref="ArgumentException">A value breaks its rule (the message names it); nothing was changed.</exception>
    [Access(Callers.Admin)]
    [Alias("Update")]
    Task<PoolSettings> Update(
        string? policy, double? computeOversubscription, double? memoryOversubscription, bool? evictLowerPriority = null, bool? consolidate = null,
        TimeSpan? fairShareHalfLife = null, bool? fairShareEviction = null);

    /// <summary>
    /// Sets the quota of every tenant without limits of its own (null: none, such tenants are unbounded), for every silo:
    /// each tenant grain takes it at its next admission, read or recheck (within <c>Orion:Pool:SettingsMaxAge</c> of its
    /// silo's copy), as if its own quota had changed: a raise admits whoever waits and fits, a cut fails whoever waits
    /// and could never fit; running work runs on.
    /// </summary>
    /// <exception cref="ArgumentException">A limit breaks its rule, or the quota carries a weight (each tenant keeps its own); nothing was changed.</exception>
    [Access(Callers.Admin)]
    [Alias("SetDefaultQuota")]
    Task<PoolSettings> SetDefaultQuota(TenantQuota? quota);
}
