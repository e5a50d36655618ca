namespace Orion.Grains.Scheduling;

/// <summary>A scheduler's mutable view of one card's free capacity. Pure: no Orleans types.</summary>
public sealed class GpuView
{
    public GpuView(string id, int index, string model, int computeCapacityMilli, long memoryCapacityMiB, long physicalMemoryMiB = 0)
    {
        PhysicalMemory = physicalMemoryMiB > 0 ? physicalMemoryMiB : memoryCapacityMiB;
        Id = id;
        Index = index;
        Model = model;
        ComputeCapacity = computeCapacityMilli;
        ComputeFree = computeCapacityMilli;
        MemoryCapacity = memoryCapacityMiB;
        MemoryFree = memoryCapacityMiB;
    }

    public string Id { get; }

    public int Index { get; }

    public string Model { get; }

    /// <summary>Its link group on the node (<see cref="Orion.Contracts.GpuDevice.LinkDomain"/>): not state a policy scores, only where a task of several cards lands.</summary>
    public int LinkDomain { get; init; }

    /// <summary>Allocatable compute in thousandths of a card (1000 × oversubscription factor).</summary>
    public int ComputeCapacity { get; }

    public int ComputeFree { get; internal set; }

    public long MemoryCapacity { get; }

    public long MemoryFree { get; internal set; }

    /// <summary>The device's memory; <see cref="MemoryCapacity"/> may exceed it when memory is oversubscribed.</summary>
    public long PhysicalMemory { get; }

    /// <summary>Compute held by online tasks: they are never paused, so together they may not exceed one card.</summary>
    public int OnlineCompute { get; internal set; }

    /// <summary>
    /// Memory held by online tasks: busy services must all be resident at once (a busy service never waits for another's
    /// pages), so together they may not exceed the device, whatever the memory oversubscription.
    /// </summary>
    public long OnlineMemory { get; internal set; }

    /// <summary>The part of <see cref="OnlineMemory"/> that may move to host RAM: an idle service's pages make room for other work.</summary>
    public long OnlineSwappableMemory { get; internal set; }

    /// <summary>Device memory not allocated to anyone (negative when memory is oversubscribed past the device).</summary>
    public long DeviceFree => PhysicalMemory - (MemoryCapacity - MemoryFree);

    /// <summary>Device memory free once idle online services' swappable pages are moved to host RAM.</summary>
    public long DeviceFreeReclaimingIdleOnline => DeviceFree + OnlineSwappableMemory;

    /// <summary>Memory held by tasks that may not swap; it must fit the device.</summary>
    public long PinnedMemory { get; internal set; }

    /// <summary>
    /// Host RAM the card may need in the worst case: once its allocations exceed the device, any of its
    /// swappable tasks may be moved out whole.
    /// </summary>
    public long Overflow => HostNeed(MemoryCapacity - MemoryFree, PinnedMemory, PhysicalMemory);

    /// <summary>The worst-case host RAM of a card with <paramref name="allocated"/> memory, <paramref name="pinned"/> of it unswappable.</summary>
    public static long HostNeed(long allocated, long pinned, long physical) => allocated > physical ? allocated - pinned : 0;

    /// <summary>The node the card is on (set by the node).</summary>
    public NodeView? Node { get; internal set; }

    /// <summary>Number of tasks holding a slice of the card.</summary>
    public int Holders { get; internal set; }

    /// <summary>True when one task holds the whole card.</summary>
    public bool Exclusive { get; internal set; }

    public bool IsIdle => Holders == 0;

    /// <summary>True when <paramref name="other"/> is the same card with the same allocations.</summary>
    public bool Matches(GpuView other) => Id == other.Id && Index == other.Index && LinkDomain == other.LinkDomain && SameState(other);

    /// <summary>True when <paramref name="other"/> is a card of the same model with the same capacity and allocations, whatever its id and index.</summary>
    public bool SameState(GpuView other) =>
        string.Equals(Model, other.Model, StringComparison.Ordinal) && ComputeCapacity == other.ComputeCapacity
        && MemoryCapacity == other.MemoryCapacity && PhysicalMemory == other.PhysicalMemory && ComputeFree == other.ComputeFree
        && MemoryFree == other.MemoryFree && OnlineCompute == other.OnlineCompute && OnlineMemory == other.OnlineMemory
        && OnlineSwappableMemory == other.OnlineSwappableMemory && PinnedMemory == other.PinnedMemory
        && Holders == other.Holders && Exclusive == other.Exclusive;

    /// <summary>A hash of what <see cref="SameState"/> compares.</summary>
    public int StateHash() =>
        HashCode.Combine(HashCode.Combine(Model, ComputeCapacity, MemoryCapacity, PhysicalMemory, ComputeFree, MemoryFree),
            HashCode.Combine(OnlineCompute, OnlineMemory, OnlineSwappableMemory, PinnedMemory, Holders, Exclusive));

    /// <summary>A detached copy of the card's state.</summary>
    public GpuView CopyState() => new(Id, Index, Model, ComputeCapacity, MemoryCapacity, PhysicalMemory)
    {
        LinkDomain = LinkDomain,
        ComputeFree = ComputeFree,
        MemoryFree = MemoryFree,
        OnlineCompute = OnlineCompute,
        OnlineMemory = OnlineMemory,
        OnlineSwappableMemory = OnlineSwappableMemory,
        PinnedMemory = PinnedMemory,
        Holders = Holders,
        Exclusive = Exclusive,
    };

    /// <summary>Free compute a new task could use, capped at one card (oversubscribed capacity beyond 100% still gives at most one card).</summary>
    public int UsableCompute => Exclusive ? 0 : Math.Min(ComputeFree, 1000);
}
