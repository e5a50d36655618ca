using Orion.Contracts;

namespace Orion.Grains.Tenancy;

/// <summary>What one live task is charged against its tenant's quota.</summary>
/// <param name="GpuMilli">Compute summed over its cards, thousandths of a card.</param>
/// <param name="GpuMemoryMiB">GPU memory summed over its cards; 0 for whole cards that did not state theirs.</param>
/// <param name="MemoryStated">False for whole cards with the whole card's memory (0): their memory cannot be counted.</param>
/// <param name="At">When it was charged.</param>
/// <param name="Gang">Its gang (<see cref="GangSpec"/> name and size, as the scheduler tells gangs apart); null when it has none.</param>
/// <param name="GangSize">How many members its gang has; 0 when it has none.</param>
/// <param name="Priority">Its priority class, which the tenant's quota may cap (<see cref="TenantQuota.MaxPriority"/>).</param>
[GenerateSerializer, Alias("orion.TenantCharge"), Immutable]
public sealed record TenantCharge(
    [property: Id(0)] long GpuMilli,
    [property: Id(1)] long GpuMemoryMiB,
    [property: Id(2)] bool MemoryStated,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string? Gang = null,
    [property: Id(5)] int GangSize = 0,
    [property: Id(6)] PriorityClass Priority = PriorityClass.Offline)
{
    /// <summary>The charge of a request of that class: per card times cards.</summary>
    public static TenantCharge Of(ResourceRequest request, PriorityClass priority, DateTimeOffset at) =>
        new((long)request.GpuCount * request.ComputeMilli, request.GpuCount * request.GpuMemoryMiB, request.GpuCount == 0 || request.GpuMemoryMiB > 0, at, Priority: priority);

    /// <summary>The charge of a task of <paramref name="spec"/>: its request and class, and its gang when it has one.</summary>
    public static TenantCharge Of(TaskSpec spec, DateTimeOffset at) => Of(spec.Resources, spec.Priority.Class, spec.Gang, at);

    /// <summary>The charge of a request of a member of <paramref name="gang"/> (none when null).</summary>
    public static TenantCharge Of(ResourceRequest request, PriorityClass priority, GangSpec? gang, DateTimeOffset at) =>
        gang is null ? Of(request, priority, at) : Of(request, priority, at) with { Gang = $"{gang.Name}/{gang.Size}", GangSize = gang.Size };
}
