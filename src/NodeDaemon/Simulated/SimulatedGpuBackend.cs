using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.NodeDaemon.Simulated;

/// <summary>
/// A discrete-event model of a node's GPUs on a <see cref="TimeProvider"/>.
/// <para>Compute: each card has a relative speed; a card's runnable tasks each want their share (a service
/// only what its request rate keeps busy), scaled down in proportion when the wants add up past the card.
/// A task's work advances at share × speed (a multi-card task at the pace of its slowest card); it exits
/// when its work is done.</para>
/// <para>Memory: every task's memory is tracked in 2 MiB pages per card, resident on the device or on the
/// node's host RAM (within the node's swap budget). A move takes bytes ÷ the card's host link bandwidth and
/// holds the link, so moves on one card queue; pages in transit hold space at both ends. A task progresses
/// only when it is not paused and all its pages are resident.</para>
/// Between events nothing is computed: the next completion or transfer end is one timer, and settling
/// replays every event between the last look and now at its own moment.
/// </summary>
public sealed class SimulatedGpuBackend : IGpuBackend
{
    public const long PageSizeMiB = 2;

    private readonly object gate = new();
    private readonly TimeProvider time;
    private readonly SimulatedCard[] cards;
    private readonly Dictionary<string, SimulatedCard> cardsById;
    private readonly Dictionary<string, SimulatedProcess> processes = new(StringComparer.Ordinal);
    private readonly List<SimulatedTransfer> transfers = [];
    private readonly ITimer timer;
    private readonly long hostBudgetPages;
    private readonly TaskLogBook logs = new();
    private long hostPages;
    private DateTimeOffset settledAt;
    private bool disposed;

    /// <param name="linkDomainSize">Cards per link group (<see cref="GpuDevice.LinkDomain"/>), consecutive; 0: all linked alike.</param>
    public SimulatedGpuBackend(string nodeId, IReadOnlyList<GpuModelSpec> models, TimeProvider time, long hostSwapMiB = 0, int linkDomainSize = 0)
    {
        this.time = time;
        hostBudgetPages = hostSwapMiB / PageSizeMiB;
        var domains = LinkDomains.Consecutive(models.Count, linkDomainSize);
        cards = models.Select((m, i) => new SimulatedCard(
            new GpuDevice(GrainKeys.Gpu(nodeId, i), i, m.Name, m.MemoryMiB, m.RelativeSpeed, m.HostLinkGBps, $"SIM-{nodeId.Replace('/', '-')}-{i}", domains[i]),
            PageSizeMiB)).ToArray();
        cardsById = cards.ToDictionary(c => c.Device.GpuId, StringComparer.Ordinal);
        Devices = [.. cards.Select(c => c.Device)];
        settledAt = time.GetUtcNow();
        timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The pace of a task whose cards span link groups, against one within a group: its cards wait on each other over the
    /// slower link (data-parallel steps exchange gradients every step). 0.75 models a PCIe hop where NVLink was.
    /// </summary>
    public double CrossDomainPace { get; init; } = 0.75;

    public string Name => GpuBackends.Simulated;

    public string SliceEnforcement => GpuBackends.EnforcedByModel;

    public IReadOnlyList<GpuDevice> Devices { get; }

    public event Action<TaskExit>? Exited;

    public event Action? HealthChanged;

    /// <summary>Host RAM pages in use for moved GPU memory (including pages in transit).</summary>
    public long HostPagesInUse
    {
        get
        {
            lock (gate)
            {
                return hostPages;
            }
        }
    }

    /// <summary>Host RAM pages the node sets aside for moved GPU memory.</summary>
    public long HostBudgetPages => hostBudgetPages;

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

    public void Start(TaskLaunch launch) => Locked(exits =>
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (processes.TryGetValue(launch.TaskId, out var existing))
        {
            if (existing.Launch.Generation >= launch.Generation)
            {
                return;
            }
        }

        // A command cannot run here: refused, not modelled as work that never ends.
        if (launch.Workload.Kind == WorkloadKind.Process)
        {
            throw new BackendException($"task {launch.TaskId}: the simulated backend runs synthetic workloads (service, batch, training), not a process; run it on a node with the nvidia backend");
        }

        var onCards = new SimulatedCard[launch.GpuIds.Length];
        for (var i = 0; i < onCards.Length; i++)
        {
            onCards[i] = cardsById.GetValueOrDefault(launch.GpuIds[i])
                ?? throw new BackendException($"card {launch.GpuIds[i]} is not on this node");
            if (onCards[i].Fault is { } fault)
            {
                throw new BackendException($"card {launch.GpuIds[i]} is faulted: {fault}");
            }
        }

        var memory = launch.Workload.Kind == WorkloadKind.Training && launch.Workload.MemoryMiB > 0
            ? launch.Workload.MemoryMiB
            : launch.GpuMemoryMiB;
        var pages = (memory + PageSizeMiB - 1) / PageSizeMiB;
        // The generation being replaced gives its room back, but only once the new one is admitted: a refused launch
        // leaves the old one as it was (as the NVIDIA backend does).
        if (launch.StartOnHost)
        {
            var free = hostBudgetPages - hostPages + (existing is null ? 0 : (existing.HostPages + existing.TransitPages) * existing.Cards.Length);
            if (pages * onCards.Length > free)
            {
                throw new BackendException($"host swap budget has {free} free pages, {pages * onCards.Length} wanted");
            }
        }
        else
        {
            foreach (var card in onCards)
            {
                var free = card.TotalPages - card.ResidentPages + (existing is not null && existing.Cards.Contains(card) ? existing.ResidentPages + existing.TransitPages : 0);
                if (free < pages)
                {
                    throw new BackendException($"card {card.Device.GpuId} has {free} free pages, {pages} wanted");
                }
            }
        }

        if (existing is not null)
        {
            Remove(existing);
        }

        var process = new SimulatedProcess(launch, onCards, pages, launch.Workload.TotalGpuMs ?? double.PositiveInfinity);
        if (launch.StartOnHost)
        {
            process.HostPages = pages;
            hostPages += pages * onCards.Length;
        }
        else
        {
            process.ResidentPages = pages;
            foreach (var card in onCards)
            {
                card.ResidentPages += pages;
            }
        }

        foreach (var card in onCards)
        {
            card.Processes.Add(process);
        }

        processes[launch.TaskId] = process;
        Log(launch.TaskId, launch.Generation, settledAt, $"started: {Describe(launch.Workload)} on {string.Join(", ", launch.GpuIds)}, "
            + $"{launch.ComputeMilli / 10.0:0.#}% of {(onCards.Length == 1 ? "the card" : "each card")} and {memory:N0} MiB"
            + (launch.StartOnHost ? ", its memory starting in host RAM" : ""));
    });

    public TaskLogChunk? ReadLog(string taskId, long generation, long offset, int maxBytes) => logs.Read(taskId, generation, offset, maxBytes);

    /// <summary>A line of the task's log: what the model did to its workload, at the model's time (the workload itself prints nothing).</summary>
    private void Log(string taskId, long generation, DateTimeOffset at, string line) =>
        logs.Write(taskId, generation, $"{at.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");

    private static string Describe(WorkloadSpec w) => w.Kind switch
    {
        WorkloadKind.Batch => $"a batch of {w.Count:N0} item{(w.Count == 1 ? "" : "s")} at {w.GpuMsPerUnit:0.###} GPU-ms each",
        WorkloadKind.Training => $"training for {w.Count:N0} step{(w.Count == 1 ? "" : "s")} at {w.GpuMsPerUnit:0.###} GPU-ms each",
        WorkloadKind.Service => $"a service at {w.RequestsPerSecond:0.##} requests/s of {w.GpuMsPerUnit:0.###} GPU-ms",
        _ => w.Kind.ToString(),
    };

    public bool Stop(string taskId, long generation) => Locked(exits =>
    {
        if (processes.TryGetValue(taskId, out var p) && p.Launch.Generation <= generation)
        {
            Remove(p);
            Log(taskId, p.Launch.Generation, settledAt, $"stopped after {p.GpuMsDone:0} GPU-ms of work");
            return true;
        }

        return false;
    });

    public bool Pause(string taskId, long generation, string hold) => ChangeHold(taskId, generation, hold, add: true);

    public bool Resume(string taskId, long generation, string hold) => ChangeHold(taskId, generation, hold, add: false);

    public bool IsPaused(string taskId)
    {
        lock (gate)
        {
            return processes.TryGetValue(taskId, out var p) && p.Paused;
        }
    }

    public Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB = 0) => Move(taskId, generation, toHost: true, residentMiB);

    public Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB = long.MaxValue) => Move(taskId, generation, toHost: false, residentMiB);

    /// <summary>A running task's progress and memory, or null.</summary>
    public SimulatedTaskInfo? GetTask(string taskId) => Locked(_ =>
        processes.TryGetValue(taskId, out var p)
            ? new SimulatedTaskInfo(taskId, p.Launch.Generation, p.GpuMsDone, p.TotalGpuMs, p.Rate, p.PagesPerCard, p.Paused, p.ResidentPages, p.HostPages, p.TransitPages)
            : null);

    public IReadOnlyList<CardUsage> MeasureUsage() => Locked(_ =>
        cards.Select(c => new CardUsage(
            c.Device.GpuId,
            Math.Round(Math.Min(100, 100 * c.Processes.Sum(p => p.Rate) / c.Device.RelativeSpeed), 2),
            c.ResidentPages * PageSizeMiB)).ToList());

    public IReadOnlyList<CardFault> CheckHealth() => Locked(_ =>
        (IReadOnlyList<CardFault>)[.. cards.Where(c => c.Fault is not null).Select(c => new CardFault(c.Device.GpuId, c.Fault!))]);

    /// <summary>
    /// The card breaks, as a GPU falling off the bus does: every task on it (a multi-card one too) dies at once, failed,
    /// its pages gone from the device and the host alike; it takes no task until <see cref="Repair"/>. A card already
    /// broken keeps its first reason.
    /// </summary>
    public void Fail(int index, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (reason.Length > CardFault.MaxReasonLength)
        {
            // Its node would refuse every heartbeat carrying it.
            throw new ArgumentException($"reason must be at most {CardFault.MaxReasonLength} characters", nameof(reason));
        }

        var broke = Locked(exits =>
        {
            var card = cards[index];
            if (card.Fault is not null)
            {
                return false;
            }

            card.Fault = reason;
            foreach (var p in card.Processes.ToList())
            {
                Remove(p);
                exits.Add(new TaskExit(p.Launch.TaskId, p.Launch.Generation, false, $"card {card.Device.GpuId} failed: {reason}", p.GpuMsDone, settledAt));
            }

            return true;
        });

        // After the exits: the daemon reports those first, then the fault.
        if (broke)
        {
            HealthChanged?.Invoke();
        }
    }

    /// <summary>The card works again (reset or replaced), empty; true when it was broken.</summary>
    public bool Repair(int index)
    {
        var repaired = Locked(_ =>
        {
            var card = cards[index];
            var was = card.Fault is not null;
            card.Fault = null;
            return was;
        });
        if (repaired)
        {
            HealthChanged?.Invoke();
        }

        return repaired;
    }

    public IReadOnlyDictionary<string, double> MeasureTaskActivity() => Locked(_ =>
    {
        var activity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var c in cards)
        {
            foreach (var p in c.Processes)
            {
                var busy = Math.Round(Math.Min(100, 100 * p.Rate / c.Device.RelativeSpeed), 2);
                activity[p.Launch.TaskId] = Math.Max(busy, activity.GetValueOrDefault(p.Launch.TaskId));
            }
        }

        return (IReadOnlyDictionary<string, double>)activity;
    });

    /// <summary>A card's memory and compute use now.</summary>
    public SimulatedCardInfo GetCard(int index) => Locked(_ =>
    {
        var c = cards[index];
        var busy = c.Processes.Sum(p => p.Rate) / c.Device.RelativeSpeed;
        return new SimulatedCardInfo(c.Device.GpuId, c.TotalPages, c.ResidentPages, busy, [.. c.Processes.Select(p => p.Launch.TaskId)]);
    });

    public void Dispose()
    {
        List<SimulatedTransfer> abandoned;
        lock (gate)
        {
            disposed = true;
            timer.Dispose();
            abandoned = [.. transfers];
            transfers.Clear();
        }

        foreach (var t in abandoned)
        {
            t.Done.TrySetException(new ObjectDisposedException(nameof(SimulatedGpuBackend)));
        }
    }

    private Task<SwapResult> Move(string taskId, long generation, bool toHost, long residentMiB) => Locked(exits =>
        {
            if (!processes.TryGetValue(taskId, out var p) || p.Launch.Generation > generation)
            {
                return Task.FromResult(new SwapResult(taskId, generation, false, 0, TimeSpan.Zero, 0, 0));
            }

            // Moves go towards a number of resident pages: out leaves at most that many, in brings up to that many.
            // Pages already on their way count as where they are going.
            var target = Math.Clamp(residentMiB / PageSizeMiB, 0, p.PagesPerCard);
            var pages = toHost
                ? Math.Max(0, p.ResidentPages - target)
                : Math.Min(p.HostPages, Math.Max(0, target - (p.PagesPerCard - p.HostPages - OutboundPages(p))));
            if (pages == 0)
            {
                // Already where it was asked to be (or on its way there): nothing moves.
                var pending = transfers.LastOrDefault(t => t.Process == p && t.ToHost == toHost);
                return pending?.Done.Task ?? Task.FromResult(Ack(p, 0, TimeSpan.Zero));
            }

            var all = pages * p.Cards.Length;
            if (toHost && hostPages + all > hostBudgetPages)
            {
                throw new BackendException($"host swap budget has {hostBudgetPages - hostPages} free pages, {all} wanted");
            }

            if (!toHost)
            {
                foreach (var card in p.Cards)
                {
                    if (card.TotalPages - card.ResidentPages < pages)
                    {
                        throw new BackendException($"card {card.Device.GpuId} has {card.TotalPages - card.ResidentPages} free pages, {pages} wanted back");
                    }
                }
            }

            // Both ends are held while the pages move.
            if (toHost)
            {
                p.ResidentPages -= pages;
                hostPages += all;
            }
            else
            {
                p.HostPages -= pages;
                foreach (var card in p.Cards)
                {
                    card.ResidentPages += pages;
                }
            }

            p.TransitPages += pages;
            var transfer = new SimulatedTransfer(p, toHost, pages, settledAt);
            transfer.Schedule(settledAt, PageSizeMiB);
            transfers.Add(transfer);
            return transfer.Done.Task;
        });

    private long OutboundPages(SimulatedProcess p) => transfers.Where(t => t.Process == p && t.ToHost).Sum(t => t.Pages);

    private bool ChangeHold(string taskId, long generation, string hold, bool add) => Locked(exits =>
    {
        if (!processes.TryGetValue(taskId, out var p) || p.Launch.Generation > generation)
        {
            return false;
        }

        if (add ? p.Holds.Add(hold) : p.Holds.Remove(hold))
        {
            Log(taskId, p.Launch.Generation, settledAt, add
                ? $"paused ({hold})" + (p.Holds.Count > 1 ? $", held by {p.Holds.Count} reasons" : "")
                : p.Holds.Count == 0 ? $"resumed ({hold} lifted)" : $"{hold} lifted, still paused by {string.Join(", ", p.Holds.Order(StringComparer.Ordinal))}");
        }

        return true;
    });

    private void Locked(Action<List<TaskExit>> action) => Locked(exits =>
    {
        action(exits);
        return 0;
    });

    /// <summary>Settles to now, does the work, re-arms the timer; raises exits and completes transfers outside the lock.</summary>
    private T Locked<T>(Func<List<TaskExit>, T> action)
    {
        List<TaskExit> exits = [];
        List<SimulatedTransfer> finished = [];
        T result;
        lock (gate)
        {
            Settle(exits, finished);
            result = action(exits);
            Reschedule();
        }

        Raise(exits, finished);
        return result;
    }

    private void OnTimer()
    {
        List<TaskExit> exits = [];
        List<SimulatedTransfer> finished = [];
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            Settle(exits, finished);
            Reschedule();
        }

        Raise(exits, finished);
    }

    private void Raise(List<TaskExit> exits, List<SimulatedTransfer> finished)
    {
        foreach (var t in finished)
        {
            var launch = t.Process.Launch;
            Log(launch.TaskId, launch.Generation, t.EndsAt,
                $"moved {t.Pages * t.Process.Cards.Length * PageSizeMiB:N0} MiB {(t.ToHost ? "to host RAM" : "back to the card")} in {(t.EndsAt - t.RequestedAt).TotalMilliseconds:0} ms");
            t.Done.TrySetResult(Ack(t.Process, t.Pages * t.Process.Cards.Length * PageSizeMiB * 1024 * 1024, t.EndsAt - t.RequestedAt));
        }

        foreach (var exit in exits)
        {
            Log(exit.TaskId, exit.Generation, exit.At, $"exited: {exit.Reason} after {exit.GpuMsDone:0} GPU-ms of work");
            Exited?.Invoke(exit);
        }
    }

    private static SwapResult Ack(SimulatedProcess p, long bytes, TimeSpan took) =>
        new(p.Launch.TaskId, p.Launch.Generation, true, bytes, took, p.ResidentPages * PageSizeMiB, p.HostPages * PageSizeMiB);

    private void Remove(SimulatedProcess p)
    {
        processes.Remove(p.Launch.TaskId);
        var dropped = transfers.Where(t => t.Process == p).ToList();
        foreach (var t in dropped)
        {
            // A stopped task's moves end with it; both ends are given back below.
            transfers.Remove(t);
            t.Done.TrySetResult(new SwapResult(p.Launch.TaskId, p.Launch.Generation, false, 0, TimeSpan.Zero, 0, 0));
        }

        if (dropped.Count > 0)
        {
            Relink();
        }

        foreach (var card in p.Cards)
        {
            card.Processes.Remove(p);
            card.ResidentPages -= p.ResidentPages + p.TransitPages;
        }

        hostPages -= (p.HostPages + p.TransitPages) * p.Cards.Length;
    }

    /// <summary>
    /// The links' queues again after moves were dropped: the link time they had not used yet is free, so the moves queued
    /// behind them start sooner; what is already crossing a link keeps its times.
    /// </summary>
    private void Relink()
    {
        foreach (var card in cards)
        {
            card.LinkFreeAt = settledAt;
        }

        foreach (var t in transfers)
        {
            t.Schedule(settledAt, PageSizeMiB);
        }
    }

    /// <summary>
    /// Brings the model to now, event by event: work advances at the rates that held; each task that finishes
    /// and each move that lands on the way does so at its own moment, and rates change from there.
    /// </summary>
    private void Settle(List<TaskExit> exits, List<SimulatedTransfer> finished)
    {
        var now = time.GetUtcNow();
        while (true)
        {
            var (nextMs, _) = NextCompletion();
            var completionAt = double.IsPositiveInfinity(nextMs)
                ? DateTimeOffset.MaxValue
                : settledAt + TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(nextMs * TimeSpan.TicksPerMillisecond)));
            var transfer = transfers.Count == 0 ? null : transfers.MinBy(t => t.EndsAt);
            var transferAt = transfer?.EndsAt ?? DateTimeOffset.MaxValue;
            var at = completionAt < transferAt ? completionAt : transferAt;
            if (at > now)
            {
                break;
            }

            AdvanceBy((at - settledAt).TotalMilliseconds);
            settledAt = at;
            if (transfer is not null && transferAt <= completionAt)
            {
                Land(transfer);
                finished.Add(transfer);
            }
            else
            {
                foreach (var p in processes.Values.ToList())
                {
                    // Work is tracked in doubles: a sliver left over from rounding is done.
                    if (double.IsFinite(p.TotalGpuMs) && p.Runnable && p.Remaining <= Math.Max(1e-9, p.TotalGpuMs * 1e-12))
                    {
                        Remove(p);
                        exits.Add(new TaskExit(p.Launch.TaskId, p.Launch.Generation, true, "completed", p.TotalGpuMs, settledAt));
                    }
                }
            }

            Recompute();
        }

        AdvanceBy((now - settledAt).TotalMilliseconds);
        settledAt = now;
    }

    private void Land(SimulatedTransfer t)
    {
        transfers.Remove(t);
        var p = t.Process;
        p.TransitPages -= t.Pages;
        if (t.ToHost)
        {
            p.HostPages += t.Pages;
            foreach (var card in p.Cards)
            {
                card.ResidentPages -= t.Pages;
            }
        }
        else
        {
            p.ResidentPages += t.Pages;
            hostPages -= t.Pages * p.Cards.Length;
        }
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
            p.Rate = p.Runnable ? double.PositiveInfinity : 0;
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

        foreach (var p in processes.Values)
        {
            if (p.Cards.Length > 1 && p.Cards.Any(c => c.Device.LinkDomain != p.Cards[0].Device.LinkDomain))
            {
                p.Rate *= CrossDomainPace;
            }
        }
    }

    /// <summary>Recomputes rates after a change and sets the timer to the next event.</summary>
    private void Reschedule()
    {
        Recompute();
        var (nextMs, _) = NextCompletion();
        if (transfers.Count > 0)
        {
            nextMs = Math.Min(nextMs, Math.Max(0, (transfers.Min(t => t.EndsAt) - settledAt).TotalMilliseconds));
        }

        if (double.IsPositiveInfinity(nextMs))
        {
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        // Round up to a whole tick (at least one) so the event is due when the timer fires; wake at least
        // daily (timers take at most ~49 days, and settling is exact whenever it runs).
        var ticks = Math.Clamp((long)Math.Ceiling(Math.Min(nextMs, TimeSpan.FromDays(1).TotalMilliseconds) * TimeSpan.TicksPerMillisecond), 1, TimeSpan.FromDays(1).Ticks);
        timer.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
    }
}
