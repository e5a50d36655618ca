using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>What one tenant holds of the pool's cards, as fair sharing weighs it, and how many of its tasks are queued.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="ComputeMilli">Compute its slices hold, thousandths of a card.</param>
/// <param name="MemoryMiB">GPU memory its slices hold.</param>
/// <param name="Share">Its dominant share of the pool's cards (0 to 1): the larger of its compute and its memory share.</param>
/// <param name="Weight">Its fair-share weight (1 unless set).</param>
/// <param name="Queued">Its tasks pending: queued for room, or waiting for its quota.</param>
/// <param name="PastShare">
/// With fair sharing by usage history on (<see cref="PoolSettings.FairShareHalfLife"/>): its dominant share of the pool's
/// cards over the past, time-decayed (<see cref="FairShare.PastShare"/>), counted beside <paramref name="Share"/>; null
/// when off.
/// </param>
public sealed record TenantShare(string Tenant, long ComputeMilli, long MemoryMiB, double Share, double Weight, int Queued, double? PastShare = null)
{
    /// <summary>Its share (and past share) over its weight: within a priority, the tenant with the least goes next.</summary>
    public double WeightedShare => (Share + (PastShare ?? 0)) / (Weight > 0 ? Weight : 1);
}
