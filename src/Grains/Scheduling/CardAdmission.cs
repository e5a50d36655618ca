using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>The card owner's rule for accepting a slice: the authoritative check behind optimistic placement.</summary>
public static class CardAdmission
{
    /// <summary>Null when <paramref name="wanted"/> fits beside <paramref name="held"/>; else why not.</summary>
    public static string? Refusal(GpuDevice device, int computeCapacityMilli, IEnumerable<GpuSlice> held, GpuSlice wanted)
    {
        var compute = 0;
        long memory = 0;
        var any = false;
        foreach (var s in held)
        {
            if (s.Exclusive)
            {
                return $"card {device.GpuId} is held whole by {s.TaskId}";
            }

            compute += s.ComputeMilli;
            memory += s.MemoryMiB;
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

        if (memory + wanted.MemoryMiB > device.MemoryMiB)
        {
            return $"card {device.GpuId} has {device.MemoryMiB - memory} MiB free, {wanted.MemoryMiB} wanted";
        }

        return null;
    }
}
