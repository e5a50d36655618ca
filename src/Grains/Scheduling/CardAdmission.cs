using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>The card owner's rule for accepting a slice: the authoritative check behind optimistic placement.</summary>
public static class CardAdmission
{
    /// <summary>Null when <paramref name="wanted"/> fits beside <paramref name="held"/>; else why not.</summary>
    public static string? Refusal(GpuDevice device, int computeCapacityMilli, IEnumerable<GpuSlice> held, GpuSlice wanted) =>
        Refusal(device, computeCapacityMilli, device.MemoryMiB, held, wanted);

    /// <summary>
    /// Null when <paramref name="wanted"/> fits beside <paramref name="held"/> with memory oversubscribed up to
    /// <paramref name="memoryCapacityMiB"/>; memory that may not move to host must still fit the device.
    /// </summary>
    public static string? Refusal(GpuDevice device, int computeCapacityMilli, long memoryCapacityMiB, IEnumerable<GpuSlice> held, GpuSlice wanted)
    {
        var compute = 0;
        long memory = 0;
        long pinned = 0;
        var online = 0;
        long onlineMemory = 0;
        var any = false;
        foreach (var s in held)
        {
            if (s.Exclusive)
            {
                return $"card {device.GpuId} is held whole by {s.TaskId}";
            }

            compute += s.ComputeMilli;
            memory += s.MemoryMiB;
            pinned += s.Swappable ? 0 : s.MemoryMiB;
            online += s.Priority?.Class == PriorityClass.Online ? s.ComputeMilli : 0;
            onlineMemory += s.Priority?.Class == PriorityClass.Online ? s.MemoryMiB : 0;
            any = true;
        }

        if (wanted.Exclusive && any)
        {
            return $"card {device.GpuId} is not idle";
        }

        if (compute + wanted.ComputeMilli > computeCapacityMilli)
        {
            return $"card {device.GpuId} has {computeCapacityMilli - compute} compute milli free, {wanted.ComputeMilli} wanted";
        }

        if (wanted.Priority?.Class == PriorityClass.Online && online + wanted.ComputeMilli > 1000)
        {
            return $"card {device.GpuId} has {1000 - online} compute milli free for online work (online work is never paused, so it may not oversubscribe itself), {wanted.ComputeMilli} wanted";
        }

        if (wanted.Priority?.Class == PriorityClass.Online && onlineMemory + wanted.MemoryMiB > device.MemoryMiB)
        {
            return $"card {device.GpuId} has {device.MemoryMiB - onlineMemory} MiB of device memory free for online work (busy services must all be resident at once, so online memory may not oversubscribe the device), {wanted.MemoryMiB} wanted";
        }

        if (memory + wanted.MemoryMiB > memoryCapacityMiB)
        {
            return $"card {device.GpuId} has {memoryCapacityMiB - memory} MiB free, {wanted.MemoryMiB} wanted";
        }

        if (!wanted.Swappable && pinned + wanted.MemoryMiB > device.MemoryMiB)
        {
            return $"card {device.GpuId} has {device.MemoryMiB - pinned} MiB the device can keep for memory that may not swap, {wanted.MemoryMiB} wanted";
        }

        return null;
    }
}
