using Orion.Contracts;

namespace Orion.Grains.Tenancy;

/// <summary>What one live task is charged against its tenant's quota.</summary>
/// <param name="GpuMilli">Compute summed over its cards, thousandths of a card.</param>
/// <param name="GpuMemoryMiB">GPU memory summed over its cards; 0 for whole cards that did not state theirs.</param>
/// <param name="MemoryStated">False for whole cards with the whole card's memory (0): their memory cannot be counted.</param>
/// <param name="At">When it was charged.</param>
[GenerateSerializer, Alias("orion.TenantCharge"), Immutable]
public sealed record TenantCharge(
    [property: Id(0)] long GpuMilli,
    [property: Id(1)] long GpuMemoryMiB,
    [property: Id(2)] bool MemoryStated,
    [property: Id(3)] DateTimeOffset At)
{
    /// <summary>The charge of a request: per card times cards.</summary>
    public static TenantCharge Of(ResourceRequest request, DateTimeOffset at) =>
        new((long)request.GpuCount * request.ComputeMilli, request.GpuCount * request.GpuMemoryMiB, request.GpuCount == 0 || request.GpuMemoryMiB > 0, at);
}
