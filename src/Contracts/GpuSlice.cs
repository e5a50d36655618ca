namespace Orion.Contracts;

/// <summary>One task's allocation on one card.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">The placement generation it was reserved under.</param>
/// <param name="ComputeMilli">Compute, thousandths of a card.</param>
/// <param name="MemoryMiB">Memory in MiB.</param>
/// <param name="Exclusive">True when the task holds the whole card.</param>
/// <param name="Priority">The task's priority, which the card's arbitration reads.</param>
/// <param name="Swappable">Whether its memory may be moved to host RAM.</param>
/// <param name="Tenant">The task's tenant, which the schedulers' fair sharing counts.</param>
/// <param name="Borrowed">The task runs on borrowed room beyond its tenant's quota: a scheduler evicts it for a task within its quota.</param>
/// <param name="Gang">The task is a gang's member: never evicted on its own for a higher-priority task.</param>
/// <param name="StayPut">The task asked not to be moved to gather room for another (<see cref="TaskSpec.StayPut"/>).</param>
[GenerateSerializer, Alias("orion.GpuSlice"), Immutable]
public sealed record GpuSlice(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation,
    [property: Id(2)] int ComputeMilli,
    [property: Id(3)] long MemoryMiB,
    [property: Id(4)] bool Exclusive,
    [property: Id(5)] TaskPriority? Priority = null,
    [property: Id(6)] bool Swappable = true,
    [property: Id(7)] string? Tenant = null,
    [property: Id(8)] bool Borrowed = false,
    [property: Id(9)] bool Gang = false,
    [property: Id(10)] bool StayPut = false);
