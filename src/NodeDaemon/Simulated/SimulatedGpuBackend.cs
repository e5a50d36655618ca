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
        List<TaskExit> exits = [];
        try
        {
            StartLocked(launch, exits);
        }
        finally
        {
            Raise(exits);
        }
    }

    private void StartLocked(TaskLaunch launch, List<TaskExit> exits)
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

                Settle(exits);
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

            Settle(exits);
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
        List<TaskExit> exits = [];
        var stopped = false;
        lock (gate)
        {
            Settle(exits);
            if (processes.TryGetValue(taskId, out var p) && p.Launch.Generation <= generation)
            {
                Remove(p);
                stopped = true;
            }

            Reschedule();
        }

        Raise(exits);
        return stopped;
    }

    public bool Pause(string taskId, long generation, string hold) => ChangeHold(taskId, generation, hold, add: true);

    public bool Resume(string taskId, long generation, string hold) => ChangeHold(taskId, generation, hold, add: false);

    public bool IsPaused(string taskId)
    {
        lock (gate)
        {
            return processes.TryGetValue(taskId, out var p) && p.Paused;
        }
    }

    private bool ChangeHold(string taskId, long generation, string hold, bool add)
    {
        List<TaskExit> exits = [];
        bool result;
        lock (gate)
        {
            Settle(exits);
            result = processes.TryGetValue(taskId, out var p) && p.Launch.Generation <= generation;
            if (result)
            {
                _ = add ? p!.Holds.Add(hold) : p!.Holds.Remove(hold);
            }

            Reschedule();
        }

        Raise(exits);
        return result;
    }

    /// <summary>A running task's progress, or null.</summary>
    public SimulatedTaskInfo? GetTask(string taskId)
    {
        List<TaskExit> exits = [];
        SimulatedTaskInfo? info;
        lock (gate)
        {
            Settle(exits);
            Reschedule();
            info = processes.TryGetValue(taskId, out var p)
                ? new SimulatedTaskInfo(taskId, p.Launch.Generation, p.GpuMsDone, p.TotalGpuMs, p.Rate, p.PagesPerCard, p.Paused)
                : null;
        }

        Raise(exits);
        return info;
    }

    /// <summary>A card's memory and compute use now.</summary>
    public SimulatedCardInfo GetCard(int index)
    {
        List<TaskExit> exits = [];
        SimulatedCardInfo info;
        lock (gate)
        {
            Settle(exits);
            Reschedule();
            var c = cards[index];
            var busy = c.Processes.Sum(p => p.Rate) / c.Device.RelativeSpeed;
            info = new SimulatedCardInfo(c.Device.GpuId, c.TotalPages, c.ResidentPages, busy, [.. c.Processes.Select(p => p.Launch.TaskId)]);
        }

        Raise(exits);
        return info;
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

            Settle(exits);
            Reschedule();
        }

        Raise(exits);
    }

    private void Raise(List<TaskExit> exits)
    {
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

    /// <summary>
    /// Brings the model to now, event by event: work advances at the rates that held, each task that finishes
    /// on the way exits at its own moment and the others' rates change from there. Timers may fire late (or a
    /// fake clock jump far); the result is the same.
    /// </summary>
    private void Settle(List<TaskExit> exits)
    {
        var now = time.GetUtcNow();
        while (true)
        {
            var (nextMs, _) = NextCompletion();
            var step = TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(nextMs * TimeSpan.TicksPerMillisecond)));
            if (double.IsPositiveInfinity(nextMs) || settledAt + step > now)
            {
                break;
            }

            AdvanceBy(step.TotalMilliseconds);
            settledAt += step;
            foreach (var p in processes.Values.ToList())
            {
                // Work is tracked in doubles: a sliver left over from rounding is done.
                if (double.IsFinite(p.TotalGpuMs) && p.Remaining <= Math.Max(1e-9, p.TotalGpuMs * 1e-12))
                {
                    Remove(p);
                    exits.Add(new TaskExit(p.Launch.TaskId, p.Launch.Generation, true, "completed", p.TotalGpuMs, settledAt));
                }
            }

            Recompute();
        }

        AdvanceBy((now - settledAt).TotalMilliseconds);
        settledAt = now;
    }

    private void AdvanceBy(double elapsedMs)
    {
        if (elapsedMs <= 0)
        {
            return;
        }

        foreach (var p in processes.Values)
        {
            p.GpuMsDone = Math.Min(p.TotalGpuMs, p.GpuMsDone + (p.Rate * elapsedMs));
        }
    }

    private (double Ms, SimulatedProcess? Process) NextCompletion()
    {
        var nextMs = double.PositiveInfinity;
        SimulatedProcess? next = null;
        foreach (var p in processes.Values)
        {
            if (double.IsFinite(p.TotalGpuMs) && p.Rate > 0 && p.Remaining / p.Rate < nextMs)
            {
                nextMs = Math.Max(0, p.Remaining / p.Rate);
                next = p;
            }
        }

        return (nextMs, next);
    }

    /// <summary>Recomputes every task's rate from the shares on its cards.</summary>
    private void Recompute()
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
    }

    /// <summary>Recomputes rates after a change and sets the timer to the next completion.</summary>
    private void Reschedule()
    {
        Recompute();
        var (nextMs, _) = NextCompletion();
        if (double.IsPositiveInfinity(nextMs))
        {
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        // Round up to a whole tick (at least one) so the work is done when the timer fires; wake at least
        // daily (timers take at most ~49 days, and settling is exact whenever it runs).
        var ticks = Math.Clamp((long)Math.Ceiling(Math.Min(nextMs, TimeSpan.FromDays(1).TotalMilliseconds) * TimeSpan.TicksPerMillisecond), 1, TimeSpan.FromDays(1).Ticks);
        timer.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
    }
}
