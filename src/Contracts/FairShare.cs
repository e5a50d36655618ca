namespace Orion.Contracts;

/// <summary>How much of the cards a tenant holds, for fair sharing between tenants (DRF's dominant share).</summary>
public static class FairShare
{
    /// <summary>The larger of a tenant's share of the cards' compute and of their memory (0 where a capacity is 0).</summary>
    public static double DominantShare(long computeMilli, long memoryMiB, long computeCapacityMilli, long memoryCapacityMiB) =>
        Math.Max(computeCapacityMilli > 0 ? (double)computeMilli / computeCapacityMilli : 0, memoryCapacityMiB > 0 ? (double)memoryMiB / memoryCapacityMiB : 0);
}
