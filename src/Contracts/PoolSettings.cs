namespace Orion.Contracts;

/// <summary>
/// The settings every silo of the pool must agree on, changed live for all of them at once. The silos' configuration
/// (<c>Orion:Pool:Policy</c>, <c>ComputeOversubscription</c>, <c>MemoryOversubscription</c>, <c>EvictLowerPriority</c>, <c>Consolidate</c>,
/// <c>FairShareHalfLife</c>, <c>FairShareEviction</c>) gives them until the first
/// live change, which is kept in the pool's storage from then on.
/// </summary>
/// <param name="Policy">The placement policy every data centre's scheduler uses.</param>
/// <param name="ComputeOversubscription">Allocatable compute per card as a multiple of the card (2.0: slices may add up to 200%).</param>
/// <param name="MemoryOversubscription">Allocatable GPU memory per card as a multiple of the device (the excess lives in host RAM).</param>
/// <param name="Version">0 while the configuration's; each live change adds one.</param>
/// <param name="EvictLowerPriority">
/// Whether a queued task of a higher priority class that fits nowhere evicts running tasks of a lower class to make room
/// (they queue again); false: it waits for room to free.
/// </param>
/// <param name="Consolidate">
/// Whether running offline work is moved to other nodes (stopped, queued again, placed where it fits now) when a queued
/// task fits nowhere only because the free room is scattered over nodes; false: it waits for room to free.
/// </param>
/// <param name="FairShareHalfLife">
/// When set, fair sharing between tenants counts what each held in the past beside what it holds now, usage weighing half
/// as much per half-life of age (<see cref="FairShare.PastShare"/>): a team that has had much of the pool lately yields
/// to one that has had little. Null: only what tenants hold now counts.
/// </param>
/// <param name="FairShareEviction">
/// Whether a queued task that fits nowhere evicts running offline work of other tenants that hold more than their fair
/// share (still as much as its tenant once it runs, over their weights); the evicted tasks queue again. False: it waits.
/// </param>
/// <param name="ChangedAt">When it was last changed live; null while the configuration's.</param>
/// <param name="DefaultQuota">
/// The quota of every tenant without limits of its own (each keeps its own weight); null: such a tenant is unbounded.
/// Until changed live (<see cref="IPoolSettingsGrain.SetDefaultQuota"/>), the silos' <c>Orion:Pool:DefaultQuota</c>.
/// </param>
[GenerateSerializer, Alias("orion.PoolSettings"), Immutable]
public sealed record PoolSettings(
    [property: Id(0)] string Policy,
    [property: Id(1)] double ComputeOversubscription,
    [property: Id(2)] double MemoryOversubscription,
    [property: Id(3)] long Version = 0,
    [property: Id(4)] DateTimeOffset? ChangedAt = null,
    [property: Id(5)] bool EvictLowerPriority = false,
    [property: Id(6)] TenantQuota? DefaultQuota = null,
    [property: Id(7)] bool Consolidate = false,
    [property: Id(8)] TimeSpan? FairShareHalfLife = null,
    [property: Id(9)] bool FairShareEviction = false)
{
    /// <summary>A card's allocatable compute in thousandths of a card.</summary>
    public int ComputeCapacityMilli => (int)Math.Round(1000 * ComputeOversubscription);
}
