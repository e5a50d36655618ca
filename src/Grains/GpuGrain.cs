using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Grains;

/// <summary>Owns one card's slices. Only its NodeGrain reserves and releases, so the node's copy stays exact.</summary>
[KeepAlive]
public sealed class GpuGrain(ILogger<GpuGrain> logger) : Grain, IGpuGrain
{
    private readonly Dictionary<string, GpuSlice> slices = new(StringComparer.Ordinal);
    private GpuDevice? device;
    private int capacity;
    private long version;

    public Task<GpuSnapshot> Attach(GpuDevice device, int computeCapacityMilli)
    {
        this.device = device;
        capacity = computeCapacityMilli;
        version++;
        return Task.FromResult(Snapshot());
    }

    public Task<GpuReservationResult> Reserve(GpuSlice slice)
    {
        if (device is null)
        {
            return Task.FromResult(new GpuReservationResult(false, $"card {this.GetPrimaryKeyString()} is not attached", Empty()));
        }

        if (slices.TryGetValue(slice.TaskId, out var existing))
        {
            if (existing.Generation == slice.Generation)
            {
                return Task.FromResult(new GpuReservationResult(true, null, Snapshot()));
            }

            if (existing.Generation > slice.Generation)
            {
                return Task.FromResult(new GpuReservationResult(false, $"generation {slice.Generation} is older than the held {existing.Generation}", Snapshot()));
            }
        }

        var others = slices.Values.Where(s => s.TaskId != slice.TaskId);
        var refusal = CardAdmission.Refusal(device, capacity, others, slice);
        if (refusal is not null)
        {
            logger.LogDebug("Card {GpuId} refused {TaskId}: {Reason}", device.GpuId, slice.TaskId, refusal);
            return Task.FromResult(new GpuReservationResult(false, refusal, Snapshot()));
        }

        slices[slice.TaskId] = slice;
        version++;
        return Task.FromResult(new GpuReservationResult(true, null, Snapshot()));
    }

    public Task<GpuSnapshot> Release(string taskId, long generation)
    {
        if (slices.TryGetValue(taskId, out var s) && s.Generation <= generation)
        {
            slices.Remove(taskId);
            version++;
        }

        return Task.FromResult(device is null ? Empty() : Snapshot());
    }

    public Task<GpuSnapshot?> GetSnapshot() => Task.FromResult(device is null ? null : Snapshot());

    private GpuSnapshot Snapshot() => new(device!, capacity, [.. slices.Values.OrderBy(s => s.TaskId, StringComparer.Ordinal)], version);

    private GpuSnapshot Empty() =>
        new(new GpuDevice(this.GetPrimaryKeyString(), -1, "unknown", 0, 0, 0, ""), 0, ImmutableArray<GpuSlice>.Empty, version);
}
