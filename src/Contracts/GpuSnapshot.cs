using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A card's allocations at one version, as its GpuGrain owns them.</summary>
/// <param name="Device">The card.</param>
/// <param name="ComputeCapacityMilli">Allocatable compute (1000 × the oversubscription factor).</param>
/// <param name="Slices">Allocations on it.</param>
/// <param name="Version">Grows with every change.</param>
/// <param name="Busy">Tasks whose online demand is busy now.</param>
/// <param name="Paused">Tasks the card's arbitration has paused.</param>
/// <param name="OnHost">Tasks with memory on host RAM now.</param>
/// <param name="MemoryCapacityMiB">Allocatable memory (device memory × the memory oversubscription factor).</param>
/// <param name="OnHostMiB">How much of each task in <paramref name="OnHost"/> is on host RAM; a task missing here has all of it there.</param>
/// <param name="Starting">Tasks whose start the card prepared and has not seen through (default from a card of an older build).</param>
[GenerateSerializer, Alias("orion.GpuSnapshot"), Immutable]
public sealed record GpuSnapshot(
    [property: Id(0)] GpuDevice Device,
    [property: Id(1)] int ComputeCapacityMilli,
    [property: Id(2)] ImmutableArray<GpuSlice> Slices,
    [property: Id(3)] long Version,
    [property: Id(4)] ImmutableArray<string> Busy = default,
    [property: Id(5)] ImmutableArray<string> Paused = default,
    [property: Id(6)] ImmutableArray<string> OnHost = default,
    [property: Id(7)] long MemoryCapacityMiB = 0,
    [property: Id(8)] ImmutableDictionary<string, long>? OnHostMiB = null,
    [property: Id(9)] ImmutableArray<string> Starting = default)
{
    /// <summary>Compute allocated, thousandths of a card.</summary>
    public int ComputeAllocatedMilli => Slices.Sum(s => s.ComputeMilli);

    /// <summary>Memory allocated in MiB.</summary>
    public long MemoryAllocatedMiB => Slices.Sum(s => s.MemoryMiB);

    /// <summary>Memory of the card's tasks that is on the device now.</summary>
    public long ResidentMiB => MemoryAllocatedMiB - HostMiB;

    /// <summary>Memory of the card's tasks that is on host RAM now.</summary>
    public long HostMiB => OnHost.IsDefault ? 0 : Slices.Where(s => OnHost.Contains(s.TaskId)).Sum(HostMiBOf);

    /// <summary>How much of a slice's memory is on host RAM now.</summary>
    public long HostMiBOf(GpuSlice slice) =>
        OnHost.IsDefault || !OnHost.Contains(slice.TaskId) ? 0
        : OnHostMiB is not null && OnHostMiB.TryGetValue(slice.TaskId, out var mib) ? Math.Min(mib, slice.MemoryMiB) : slice.MemoryMiB;

    /// <summary>Device memory not held by any resident task.</summary>
    public long FreeMiB => Device.MemoryMiB - ResidentMiB;

    /// <summary>True when a task holds the whole card.</summary>
    public bool IsExclusive => Slices.Any(s => s.Exclusive);
}
