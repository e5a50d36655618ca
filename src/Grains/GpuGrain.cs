using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.Grains.Arbitration;
using Orion.Grains.Scheduling;

namespace Orion.Grains;

/// <summary>
/// Owns one card: its slices (only its NodeGrain reserves and releases, so the node's copy stays exact) and
/// who runs on it when online demand and other work collide. Arbitration is <see cref="CardArbiter"/>; this
/// grain keeps the inputs, tells the daemon the difference, and tells paused or resumed tasks.
/// </summary>
[KeepAlive]
public sealed class GpuGrain(
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    ILogger<GpuGrain> logger) : Grain, IGpuGrain
{
    private readonly Dictionary<string, GpuSlice> slices = new(StringComparer.Ordinal);
    private readonly HashSet<string> busy = new(StringComparer.Ordinal);
    private readonly HashSet<string> started = new(StringComparer.Ordinal);
    private readonly HashSet<string> paused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> demandSequence = new(StringComparer.Ordinal);
    private GpuDevice? device;
    private INodeDaemon? daemon;
    private int capacity;
    private long version;

    private string GpuId => this.GetPrimaryKeyString();

    public Task<GpuSnapshot> Attach(GpuDevice device, int computeCapacityMilli, INodeDaemon daemon)
    {
        this.device = device;
        this.daemon = daemon;
        capacity = computeCapacityMilli;
        version++;
        return Task.FromResult(Snapshot());
    }

    public Task<GpuReservationResult> Reserve(GpuSlice slice)
    {
        if (device is null)
        {
            return Task.FromResult(new GpuReservationResult(false, $"card {GpuId} is not attached", Empty()));
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

            Forget(slice.TaskId);
        }

        var others = slices.Values.Where(s => s.TaskId != slice.TaskId);
        var refusal = CardAdmission.Refusal(device, capacity, others, slice);
        if (refusal is not null)
        {
            logger.LogDebug("Card {GpuId} refused {TaskId}: {Reason}", GpuId, slice.TaskId, refusal);
            return Task.FromResult(new GpuReservationResult(false, refusal, Snapshot()));
        }

        slices[slice.TaskId] = slice;
        version++;
        return Task.FromResult(new GpuReservationResult(true, null, Snapshot()));
    }

    public async Task<GpuSnapshot> Release(string taskId, long generation)
    {
        if (slices.TryGetValue(taskId, out var s) && s.Generation <= generation)
        {
            Forget(taskId);
            version++;

            // A busy online task leaving gives the card back to whoever it paused.
            await Arbitrate();
        }

        return device is null ? Empty() : Snapshot();
    }

    public async Task<DemandAck> SetDemand(string taskId, long generation, bool isBusy, long sequence)
    {
        if (!slices.TryGetValue(taskId, out var s) || s.Generation != generation || sequence <= demandSequence.GetValueOrDefault(taskId))
        {
            return new DemandAck(busy.Contains(taskId), [], false);
        }

        demandSequence[taskId] = sequence;
        var changed = isBusy ? busy.Add(taskId) : busy.Remove(taskId);
        if (changed)
        {
            version++;
        }

        var flipped = await Arbitrate();
        return new DemandAck(isBusy, flipped, true);
    }

    public async Task OnTaskStarted(string taskId, long generation)
    {
        if (slices.TryGetValue(taskId, out var s) && s.Generation == generation && started.Add(taskId))
        {
            await Arbitrate();
        }
    }

    public Task<GpuSnapshot?> GetSnapshot() => Task.FromResult(device is null ? null : Snapshot());

    private void Forget(string taskId)
    {
        slices.Remove(taskId);
        busy.Remove(taskId);
        demandSequence.Remove(taskId);
        started.Remove(taskId);
        paused.Remove(taskId);
    }

    /// <summary>Runs the arbitration and carries out the difference; returns the tasks it paused or resumed.</summary>
    private async Task<ImmutableArray<string>> Arbitrate()
    {
        var inputs = slices.Values.Select(s => new ArbitrationTask(
            s.TaskId, s.Priority ?? new TaskPriority(PriorityClass.Offline), s.ComputeMilli, busy.Contains(s.TaskId), started.Contains(s.TaskId)));
        var wanted = CardArbiter.Paused(inputs);
        var toPause = wanted.Where(t => !paused.Contains(t)).ToList();
        var toResume = paused.Where(t => !wanted.Contains(t)).ToList();
        if (toPause.Count == 0 && toResume.Count == 0)
        {
            return [];
        }

        if (daemon is null)
        {
            throw new InvalidOperationException($"card {GpuId} has no daemon attached");
        }

        // Pauses first: the online caller waits for these acks before its request proceeds.
        await Task.WhenAll(toPause.Select(t => daemon.Pause(t, slices[t].Generation, GpuId)));
        await Task.WhenAll(toResume.Select(t => daemon.Resume(t, slices[t].Generation, GpuId)));
        var now = time.GetUtcNow();
        foreach (var t in toPause)
        {
            paused.Add(t);
            await GrainFactory.GetGrain<IVGpuTaskGrain>(t).OnSuspended(slices[t].Generation, true, now);
        }

        foreach (var t in toResume)
        {
            paused.Remove(t);
            await GrainFactory.GetGrain<IVGpuTaskGrain>(t).OnSuspended(slices[t].Generation, false, now);
        }

        version++;
        logger.LogInformation("Card {GpuId} arbitration: paused {Paused}, resumed {Resumed}", GpuId, toPause, toResume);
        return [.. toPause, .. toResume];
    }

    private GpuSnapshot Snapshot() => new(
        device!, capacity, [.. slices.Values.OrderBy(s => s.TaskId, StringComparer.Ordinal)], version,
        [.. busy.Order(StringComparer.Ordinal)], [.. paused.Order(StringComparer.Ordinal)]);

    private GpuSnapshot Empty() =>
        new(new GpuDevice(GpuId, -1, "unknown", 0, 0, 0, ""), 0, ImmutableArray<GpuSlice>.Empty, version, [], []);
}
