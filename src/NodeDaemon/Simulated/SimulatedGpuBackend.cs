using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.NodeDaemon.Simulated;

/// <summary>
/// A discrete-event model of a node's GPUs on a <see cref="TimeProvider"/>. Each card has memory in 2 MiB
/// pages and a relative speed. Compute is shared among a card's running tasks: each wants its share (a
/// service only what its request rate keeps busy); when the wants add up past the card, all are scaled down
/// in proportion. A task's work advances at its share × the card's speed (a multi-card task at the pace of
/// its slowest card), and it exits when its work is done. Between events nothing is computed: the next
/// completion is one timer.
/// </summary>
public sealed class SimulatedGpuBackend : IGpuBackend
{
    public const long PageSizeMiB = 2;

    private readonly object gate = new();
    private readonly TimeProvider time;
    private readonly SimulatedCard[] cards;
    private readonly Dictionary<string, SimulatedCard> cardsById;
    private readonly Dictionary<string, SimulatedProcess> processes = new(StringComparer.Ordinal);
    private readonly ITimer timer;
    private DateTimeOffset settledAt;
    private bool disposed;

    public SimulatedGpuBackend(string nodeId, IReadOnlyList<GpuModelSpec> models, TimeProvider time)
    {
        this.time = time;
        cards = models.Select((m, i) => new SimulatedCard(
            new GpuDevice(GrainKeys.Gpu(nodeId, i), i, m.Name, m.MemoryMiB, m.RelativeSpeed, m.HostLinkGBps, $"SIM-{nodeId.Replace('/', '-')}-{i}"),
            PageSizeMiB)).ToArray();
        cardsById = cards.ToDictionary(c => c.Device.GpuId, StringComparer.Ordinal);
        Devices = [.. cards.Select(c => c.Device)];
        settledAt = time.GetUtcNow();
        timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Name => "simulated";

    public IReadOnlyList<GpuDevice> Devices { get; }

    public event Action<TaskExit>? Exited;

    public IReadOnlyDictionary<string, long> Running
    {
        get
        {
            lock (gate)
            {
                return processes.ToImmutableDictionary(p => p.Key, p => p.Value.Launch.Generation);
            }
        }
    }

    public void Start(TaskLaunch launch)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (processes.TryGetValue(launch.TaskId, out var existing))
            {
                if (existing.Launch.Generation >= launch.Generation)
                {
                    return;
                }

                Settle();
                Remove(existing);
            }

            var onCards = new SimulatedCard[launch.GpuIds.Length];
            for (var i = 0; i < onCards.Length; i++)
            {
                onCards[i] = cardsById.GetValueOrDefault(launch.GpuIds[i])
                    ?? throw new BackendException($"card {launch.GpuIds[i]} is not on this node");
            }

            var memory = launch.Workload.Kind == WorkloadKind.Training && launch.Workload.MemoryMiB > 0
                ? launch.Workload.MemoryMiB
                : launch.GpuMemoryMiB;
            var pages = (memory + PageSizeMiB - 1) / PageSizeMiB;
            foreach (var card in onCards)
            {
                if (card.TotalPages - card.ResidentPages < pages)
                {
                    throw new BackendException($"card {card.Device.GpuId} has {card.TotalPages - card.ResidentPages} free pages, {pages} wanted");
                }
            }

            Settle();
            var process = new SimulatedProcess(launch, onCards, pages, launch.Workload.TotalGpuMs ?? double.PositiveInfinity);
            foreach (var card in onCards)
            {
                card.ResidentPages += pages;
                card.Processes.Add(process);
            }

            processes[launch.TaskId] = process;
            Reschedule();
        }
    }

    public bool Stop(string taskId, long generation)
    {
        lock (gate)
        {
            if (!processes.TryGetValue(taskId, out var p) || p.Launch.Generation > generation)
            {
                return false;
            }

            Settle();
            Remove(p);
            Reschedule();
            return true;
        }
    }

    /// <summary>A running task's progress, or null.</summary>
    public SimulatedTaskInfo? GetTask(string taskId)
    {
        lock (gate)
        {
            Settle();
            return processes.TryGetValue(taskId, out var p)
                ? new SimulatedTaskInfo(taskId, p.Launch.Generation, p.GpuMsDone, p.TotalGpuMs, p.Rate, p.PagesPerCard)
                : null;
        }
    }

    /// <summary>A card's memory and compute use now.</summary>
    public SimulatedCardInfo GetCard(int index)
    {
        lock (gate)
        {
            var c = cards[index];
            var busy = c.Processes.Sum(p => p.Rate) / c.Device.RelativeSpeed;
            return new SimulatedCardInfo(c.Device.GpuId, c.TotalPages, c.ResidentPages, busy, [.. c.Processes.Select(p => p.Launch.TaskId)]);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            timer.Dispose();
        }
    }

    private void OnTimer()
    {
        List<TaskExit> exits = [];
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            Settle();
            foreach (var p in processes.Values.ToList())
            {
                // Work is tracked in doubles: a sliver left over from rounding is done.
                if (p.Remaining <= Math.Max(1e-9, p.TotalGpuMs * 1e-12))
                {
                    Remove(p);
                    exits.Add(new TaskExit(p.Launch.TaskId, p.Launch.Generation, true, "completed", p.TotalGpuMs));
                }
            }

            Reschedule();
        }

        foreach (var exit in exits)
        {
            Exited?.Invoke(exit);
        }
    }

    private void Remove(SimulatedProcess p)
    {
        processes.Remove(p.Launch.TaskId);
        foreach (var card in p.Cards)
        {
            card.Processes.Remove(p);
            card.ResidentPages -= p.PagesPerCard;
        }
    }

    /// <summary>Advances every task's work to now at the rates that held since the last event.</summary>
    private void Settle()
    {
        var now = time.GetUtcNow();
        var elapsedMs = (now - settledAt).TotalMilliseconds;
        if (elapsedMs > 0)
        {
            foreach (var p in processes.Values)
            {
                p.GpuMsDone = Math.Min(p.TotalGpuMs, p.GpuMsDone + (p.Rate * elapsedMs));
            }
        }

        settledAt = now;
    }

    /// <summary>Recomputes rates after a change and sets the timer to the next completion.</summary>
    private void Reschedule()
    {
        foreach (var p in processes.Values)
        {
            p.Rate = double.PositiveInfinity;
        }

        foreach (var card in cards)
        {
            var speed = card.Device.RelativeSpeed;
            var wanted = 0.0;
            foreach (var p in card.Processes)
            {
                wanted += p.WantedMilli(speed);
            }

            var scale = wanted > 1000 ? 1000 / wanted : 1;
            foreach (var p in card.Processes)
            {
                p.Rate = Math.Min(p.Rate, p.WantedMilli(speed) * scale / 1000 * speed);
            }
        }

        var nextMs = double.PositiveInfinity;
        foreach (var p in processes.Values)
        {
            if (double.IsFinite(p.TotalGpuMs) && p.Rate > 0)
            {
                nextMs = Math.Min(nextMs, p.Remaining / p.Rate);
            }
        }

        if (double.IsPositiveInfinity(nextMs))
        {
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        // Round up to a whole tick (at least one) so the work is done when the timer fires.
        var ticks = Math.Max(1, (long)Math.Ceiling(nextMs * TimeSpan.TicksPerMillisecond));
        timer.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
    }
}
