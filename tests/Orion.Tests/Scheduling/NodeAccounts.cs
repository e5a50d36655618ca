using Orion.Contracts;

namespace Orion.Tests.Scheduling;

/// <summary>Node snapshots (the accounts schedulers plan evictions and moves from) for the pure planners' tests.</summary>
public static class NodeAccounts
{
    /// <summary>A task's slice of one card: compute in thousandths, 80 MiB of memory per thousandth (a whole card at 1000).</summary>
    public static GpuSlice Slice(string task, int milli, PriorityClass priority = PriorityClass.Offline, int level = 0, bool gang = false) =>
        new(task, 1, milli, milli * 80L, milli == 1000, new TaskPriority(priority, level), Gang: gang);

    /// <summary>A node of 80 GiB cards (no oversubscription) and 16 cores, <paramref name="cpuAllocated"/> of them held.</summary>
    public static NodeSnapshot Node(string id, long cpuAllocated, params GpuSlice[][] cards) =>
        new(id, "dc1", 16_000, cpuAllocated, 65_536, 0,
            [.. cards.Select((slices, i) => new GpuSnapshot(new GpuDevice($"{id}/{i}", i, "A100-80GB", 80_000, 1.0, 31.5, $"GPU-{i}"), 1000, [.. slices], 1))],
            true, 1);
}
