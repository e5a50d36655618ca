using System.Collections.Immutable;

namespace Orion.Grains;

/// <summary>
/// What one task holds on a node, with its slice on each of <c>GpuIds</c> (serializable, so a node grain that moves silos
/// takes it along). <c>Since</c>: when it was reserved or its task last said it holds it (Orion clock). <c>Tenant</c> and
/// <c>Spread</c>: the task's spread group, counted per node (a CPU-only task has no slice to carry it).
/// </summary>
[GenerateSerializer, Alias("orion.NodeHolding"), Immutable]
internal sealed record NodeHolding(
    [property: Id(0)] long Generation,
    [property: Id(1)] ImmutableArray<string> GpuIds,
    [property: Id(2)] long CpuMilli,
    [property: Id(3)] long HostMemoryMiB,
    [property: Id(4)] ImmutableArray<Orion.Contracts.GpuSlice> Slices,
    [property: Id(5)] DateTimeOffset Since = default,
    [property: Id(6)] string? Tenant = null,
    [property: Id(7)] Orion.Contracts.SpreadSpec? Spread = null);
