using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>The scheduler's request to a node: hold these cards and host resources for a task.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">Its placement generation.</param>
/// <param name="GpuIds">The chosen cards.</param>
/// <param name="ComputeMilli">Compute per card.</param>
/// <param name="GpuMemoryMiB">Memory per card; 0 = the whole card's memory.</param>
/// <param name="Exclusive">True for whole cards.</param>
/// <param name="CpuMilli">Host CPU.</param>
/// <param name="HostMemoryMiB">Host memory.</param>
/// <param name="Priority">The task's priority, kept with its slices for arbitration.</param>
/// <param name="Swappable">Whether its GPU memory may be moved to host RAM.</param>
/// <param name="Tenant">The task's tenant, kept with its slices.</param>
/// <param name="Borrowed">The task runs on borrowed room beyond its tenant's quota, kept with its slices.</param>
/// <param name="Gang">The task is a gang's member, kept with its slices (evicting it alone would break its gang).</param>
/// <param name="Spread">The task's spread group (of <paramref name="Tenant"/>): the node refuses it when it already holds the group's most.</param>
/// <param name="Tolerations">The node taints the task tolerates (<see cref="NodeTaints"/>): a node refuses it when it has one more.</param>
/// <param name="MaxRuntime">The longest its run may take (null: no limit): a node refuses it when the run would reach a maintenance window whose notice has begun.</param>
/// <param name="StayPut">The task asked not to be moved to gather room for another (its slices say so).</param>
[GenerateSerializer, Alias("orion.ReservationRequest"), Immutable]
public sealed record ReservationRequest(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation,
    [property: Id(2)] ImmutableArray<string> GpuIds,
    [property: Id(3)] int ComputeMilli,
    [property: Id(4)] long GpuMemoryMiB,
    [property: Id(5)] bool Exclusive,
    [property: Id(6)] long CpuMilli,
    [property: Id(7)] long HostMemoryMiB,
    [property: Id(8)] TaskPriority? Priority = null,
    [property: Id(9)] bool Swappable = true,
    [property: Id(10)] string? Tenant = null,
    [property: Id(11)] bool Borrowed = false,
    [property: Id(12)] SpreadSpec? Spread = null,
    [property: Id(13)] bool Gang = false,
    [property: Id(14)] ImmutableList<string>? Tolerations = null,
    [property: Id(15)] TimeSpan? MaxRuntime = null,
    [property: Id(16)] bool StayPut = false);
