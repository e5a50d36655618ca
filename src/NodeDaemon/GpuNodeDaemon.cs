using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.NodeDaemon.Metrics;
using Orion.NodeDaemon.Probes;

namespace Orion.NodeDaemon;

/// <summary>
/// The daemon of one GPU machine: registers its cards with the NodeGrain, takes commands through an
/// observer reference, carries them out on the backend and reports facts (started, exited, what its runs' probes found)
/// to the task grains. Reports go out in order on one queue, never from inside a command, so no grain call waits on
/// another that waits on it.
/// </summary>
public sealed class GpuNodeDaemon : INodeDaemon, IAsyncDisposable
{
    private readonly NodeDaemonOptions options;
    private readonly IGpuBackend backend;
    private readonly IGrainFactory grains;
    private readonly ILogger logger;
    private readonly Channel<Func<Task>> reports = Channel.CreateUnbounded<Func<Task>>(new() { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private INodeDaemon? selfReference;
    private Task? reporter;
    private Task? registrar;
    private Task? demandWatcher;
    private readonly Lock watcherGate = new();

    // Online tasks whose demand the daemon measures, and the sequence its demand messages carry (from the clock, so a
    // restarted daemon's messages still count as newer).
    private readonly ConcurrentDictionary<string, TaskLaunch> measured = new(StringComparer.Ordinal);
    private long demandSequence;

    // Runs with an idle timeout, watched by the same readings.
    private readonly ConcurrentDictionary<string, TaskLaunch> idleWatched = new(StringComparer.Ordinal);

    private readonly TimeProvider time;
    private readonly RunProbes probes;
    private readonly MetricScraper metrics = new();
    private readonly string instance = Guid.NewGuid().ToString("N");
    private int disposed;
    private int unmeasured;
    private int healthUnread;

    // The broken cards the last registration carried (an immutable array: swapped whole, read from the backend's threads).
    private ImmutableArray<CardFault> reportedFaults = [];

    public GpuNodeDaemon(NodeDaemonOptions options, IGpuBackend backend, IGrainFactory grains, ILogger<GpuNodeDaemon> logger, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        this.options = options;
        this.backend = backend;
        this.grains = grains;
        this.logger = logger;
        demandSequence = this.time.GetUtcNow().UtcTicks;
        probes = new RunProbes(backend, this.time, logger);
        probes.ReadinessChanged += (launch, ready, why) => Report(() => grains.Grain<IVGpuTaskGrain>(launch.TaskId).OnReadiness(launch.Generation, ready, why));
        probes.ProbeFailed += (launch, probe, why) => Report(() => grains.Grain<IVGpuTaskGrain>(launch.TaskId).OnProbeFailed(launch.Generation, probe, why));
        backend.Exited += exit =>
        {
            probes.Forget(exit.TaskId, exit.Generation);

            // A run that failed may have failed with its card: the node hears of a broken card before the task hears of its
            // end, so a task that restarts is not placed on that card again.
            if (!exit.Succeeded && selfReference is not null && !CheckHealth().SequenceEqual(reportedFaults))
            {
                Report(RegisterAsync);
            }

            Report(() => grains.Grain<IVGpuTaskGrain>(exit.TaskId).OnExited(exit));
        };

        // A card that broke or came back by itself is reported at once, not at the next heartbeat.
        backend.HealthChanged += () =>
        {
            if (selfReference is not null)
            {
                Report(RegisterAsync);
            }
        };
    }

    public string NodeId => options.NodeId;

    /// <summary>Raised when the daemon begins to stop, before it stops taking commands.</summary>
    public event Action<GpuNodeDaemon>? Stopping;

    public IGpuBackend Backend => backend;

    /// <summary>The observer reference the grains hold for this daemon (set by <see cref="StartAsync"/>).</summary>
    public INodeDaemon Reference => selfReference ?? throw new InvalidOperationException("the daemon has not started");

    /// <summary>Registers with the cluster and keeps re-registering until disposed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        selfReference = grains.CreateObjectReference<INodeDaemon>(this);
        reporter = Task.Run(DeliverReports);
        await RegisterFirstAsync(cancellationToken);
        registrar = Task.Run(KeepRegistered);
    }

    /// <summary>
    /// The first registration, tried until the pool answers: one sent through a gateway that dies is never answered (the
    /// client gives up only after 30 s, and the daemon would exit with its cards never in the pool), and one that fails
    /// while the cluster forms is tried again. One the pool refuses (<see cref="ArgumentException"/>: a bad registration;
    /// <see cref="UnauthorizedAccessException"/>: its token may not speak for this node) ends the start.
    /// </summary>
    private async Task RegisterFirstAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var registration = RegisterAsync();
            try
            {
                await registration.WaitAsync(options.RegistrationInterval, time, cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is not (ArgumentException or UnauthorizedAccessException or OperationCanceledException))
            {
                LeaveUnanswered(registration);
                logger.LogWarning("Node {NodeId} could not register (attempt {Attempt}): {Reason}; trying again", NodeId, attempt, ex is TimeoutException ? "no answer" : ex.Message);
                if (ex is not TimeoutException)
                {
                    await Task.Delay(options.RegistrationInterval, time, cancellationToken);
                }
            }
        }
    }

    public Task Start(TaskLaunch launch)
    {
        backend.Start(launch);
        if (launch.IdleTimeout is not null)
        {
            idleWatched[launch.TaskId] = launch;
        }

        if (launch.DemandMeasured)
        {
            measured[launch.TaskId] = launch;
        }

        if (launch.DemandMeasured || launch.IdleTimeout is not null)
        {
            // Started with the first such task: a node without one keeps no timer for it.
            if (demandWatcher is null)
            {
                lock (watcherGate)
                {
                    demandWatcher ??= Task.Run(WatchDemand);
                }
            }
        }

        logger.LogDebug("Node {NodeId} started {TaskId} generation {Generation}", NodeId, launch.TaskId, launch.Generation);
        Report(() => grains.Grain<IVGpuTaskGrain>(launch.TaskId).OnStarted(launch.Generation));

        // After the start's report: the task hears it runs before it hears it is ready.
        probes.Watch(launch);
        return Task.CompletedTask;
    }

    public Task<bool> Stop(string taskId, long generation)
    {
        probes.Forget(taskId, generation);
        return Task.FromResult(backend.Stop(taskId, generation));
    }

    public Task<bool> Pause(string taskId, long generation, string hold) => Task.FromResult(backend.Pause(taskId, generation, hold));

    public Task<bool> Resume(string taskId, long generation, string hold) => Task.FromResult(backend.Resume(taskId, generation, hold));

    public Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB) => backend.SwapOut(taskId, generation, residentMiB);

    public Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB) => backend.SwapIn(taskId, generation, residentMiB);

    public Task<TaskLogChunk?> ReadLog(string taskId, long generation, long offset, int maxBytes) => Task.FromResult(backend.ReadLog(taskId, generation, offset, maxBytes));

    public async Task<MetricReading> ReadMetric(string taskId, long generation, ScaleMetric metric)
    {
        if (!backend.Running.TryGetValue(taskId, out var running) || running != generation)
        {
            return MetricReading.Failed($"not running on {NodeId}");
        }

        // A paused process answers nothing; its page would time out and say less than this.
        return backend.IsPaused(taskId) ? MetricReading.Failed("paused") : await metrics.ReadAsync(metric, stopping.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        try
        {
            Stopping?.Invoke(this);
            stopping.Cancel();
            await probes.DisposeAsync();
            metrics.Dispose();
            reports.Writer.TryComplete();
            foreach (var t in new[] { reporter, registrar, demandWatcher })
            {
                if (t is not null)
                {
                    try
                    {
                        await t;
                    }
                    catch (OperationCanceledException)
                    {
                    }
                    catch (Exception ex)
                    {
                        // A loop that died must not keep the tasks' processes alive past the daemon.
                        logger.LogWarning(ex, "A background loop of the daemon had failed");
                    }
                }
            }

            if (selfReference is not null)
            {
                grains.DeleteObjectReference<INodeDaemon>(selfReference);
            }
        }
        finally
        {
            backend.Dispose();
            stopping.Dispose();
        }
    }

    private Task RegisterAsync()
    {
        var registration = new NodeRegistration(NodeId, options.DataCenter, options.CpuMilli, options.MemoryMiB, [.. backend.Devices], backend.Name, options.HostSwapMiB,
            [.. backend.Running.Select(r => new RunningTask(r.Key, r.Value))], instance, Measure(), backend.SliceEnforcement,
            options.Labels.IsEmpty ? null : options.Labels, options.Taints.IsEmpty ? null : options.Taints, reportedFaults = CheckHealth(), options.AdvertiseAddress);
        return grains.Grain<INodeGrain>(NodeId).Register(registration, selfReference!);
    }

    /// <summary>Leaves a call no one waits on any more: its late failure is observed, so it is not reported as unobserved.</summary>
    private static void LeaveUnanswered(Task call) =>
        _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>The cards' usage for the heartbeat; none when the backend cannot measure (said once, not every beat).</summary>
    private ImmutableArray<CardUsage> Measure() => ReadOrNone(backend.MeasureUsage, ref unmeasured, "cannot measure its cards, so it reports no usage");

    /// <summary>The broken cards for the heartbeat; none when the backend cannot tell (said once, not every beat).</summary>
    private ImmutableArray<CardFault> CheckHealth() => ReadOrNone(backend.CheckHealth, ref healthUnread, "cannot read its cards' health, so it reports none broken");

    /// <summary>What the backend reads for a heartbeat, or nothing when it cannot read it; why is logged the first time only.</summary>
    private ImmutableArray<T> ReadOrNone<T>(Func<IReadOnlyList<T>> read, ref int said, string consequence)
    {
        try
        {
            return [.. read()];
        }
        catch (BackendException ex)
        {
            if (Interlocked.Exchange(ref said, 1) == 0)
            {
                logger.LogWarning("Node {NodeId} {Consequence}: {Reason}", NodeId, consequence, ex.Message);
            }

            return [];
        }
    }

    private async Task KeepRegistered()
    {
        var due = options.RegistrationInterval;
        while (!stopping.IsCancellationRequested)
        {
            await Task.Delay(due, time, stopping.Token);
            due = options.RegistrationInterval;
            var heartbeat = Task.CompletedTask;
            try
            {
                // A heartbeat sent through a gateway that died meanwhile is never answered, and the client gives up on it only
                // at its response timeout (30 s), past the node's lease: a live node would be declared lost and its tasks
                // restarted elsewhere. One not answered by the time the next is due is left, and the next goes at once (the
                // client routes it through a live gateway); the node takes repeated heartbeats as one.
                heartbeat = RegisterAsync();
                await heartbeat.WaitAsync(options.RegistrationInterval, time, stopping.Token);
            }
            catch (TimeoutException) when (!heartbeat.IsCompleted)
            {
                logger.LogWarning("Node {NodeId} heard nothing back from its heartbeat within {Interval}: sending the next now", NodeId, options.RegistrationInterval);
                LeaveUnanswered(heartbeat);
                due = TimeSpan.Zero;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Node {NodeId} could not re-register", NodeId);
            }
        }
    }

    /// <summary>
    /// Reads how much the online processes compute and tells their cards when one turns busy or goes quiet, as an SDK
    /// lease would: the card then pauses offline work for it, or resumes it. Tells a run with an idle timeout's task once
    /// it has left its cards idle that long.
    /// </summary>
    private async Task WatchDemand()
    {
        var demand = new MeasuredDemand { BusyPercent = options.DemandBusyPercent, HoldTime = options.DemandHoldTime };
        var idle = new IdleWatch { BusyPercent = options.DemandBusyPercent };
        var warned = false;
        while (!stopping.IsCancellationRequested)
        {
            await Task.Delay(options.DemandReadInterval, time, stopping.Token);
            if (measured.IsEmpty && idleWatched.IsEmpty)
            {
                continue;
            }

            IReadOnlyDictionary<string, double> activity;
            try
            {
                activity = backend.MeasureTaskActivity();
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                // Said once: a node that cannot measure keeps running its tasks, only without measured demand.
                if (!warned)
                {
                    warned = true;
                    logger.LogWarning("Node {NodeId} cannot measure its tasks' use of their cards, so online processes never preempt offline work and no run is stopped for idleness: {Reason}", NodeId, ex.Message);
                }

                continue;
            }

            var running = backend.Running;
            var now = time.GetUtcNow();
            WatchIdle(idle, activity, running, now);
            foreach (var (taskId, launch) in measured)
            {
                if (running.GetValueOrDefault(taskId) != launch.Generation)
                {
                    // Ended, or replaced by a newer launch not yet in the books.
                    if (!running.ContainsKey(taskId) && measured.TryRemove(KeyValuePair.Create(taskId, launch)))
                    {
                        demand.Forget(taskId);
                    }

                    continue;
                }

                if (demand.Observe(taskId, activity.GetValueOrDefault(taskId), now) is not { } busy)
                {
                    continue;
                }

                logger.LogInformation("Node {NodeId}: online task {TaskId} is {Demand} ({Activity}% of its cards)", NodeId, taskId, busy ? "busy" : "idle", activity.GetValueOrDefault(taskId));
                var sequence = Interlocked.Increment(ref demandSequence);
                try
                {
                    // Not past the report timeout: a call to a card on a silo that just died waits 30 s, and online work would
                    // wait that long for its offline neighbours to pause. A late answer carries an older sequence.
                    await Task.WhenAll(launch.GpuIds.Select(gpu => grains.Grain<IGpuGrain>(gpu).SetDemand(taskId, launch.Generation, busy, sequence)))
                        .WaitAsync(options.ReportAttemptTimeout);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    demand.Undo(taskId);
                    logger.LogWarning(ex, "Node {NodeId} could not tell the cards of {TaskId} that it is {Demand}; the next reading tries again", NodeId, taskId, busy ? "busy" : "idle");
                }
            }
        }
    }

    /// <summary>Tells each watched run's task once it has left its cards idle for its timeout (one-way, as other reports).</summary>
    private void WatchIdle(IdleWatch idle, IReadOnlyDictionary<string, double> activity, IReadOnlyDictionary<string, long> running, DateTimeOffset now)
    {
        foreach (var (taskId, launch) in idleWatched)
        {
            if (running.GetValueOrDefault(taskId) != launch.Generation)
            {
                if (!running.ContainsKey(taskId) && idleWatched.TryRemove(KeyValuePair.Create(taskId, launch)))
                {
                    idle.Forget(taskId);
                }

                continue;
            }

            if (idle.Observe(taskId, launch.Generation, activity.GetValueOrDefault(taskId), backend.IsPaused(taskId), launch.IdleTimeout!.Value, now) is { } idleFor)
            {
                logger.LogInformation("Node {NodeId}: task {TaskId} left its cards idle for {IdleFor} (its idle timeout {IdleTimeout})", NodeId, taskId, idleFor, launch.IdleTimeout);
                Report(() => grains.Grain<IVGpuTaskGrain>(taskId).OnIdle(launch.Generation, launch.IdleTimeout.Value));
            }
        }
    }

    private void Report(Func<Task> report) => reports.Writer.TryWrite(report);

    private async Task DeliverReports()
    {
        await foreach (var report in reports.Reader.ReadAllAsync())
        {
            for (var attempt = 1; ; attempt++)
            {
                Task sent = Task.CompletedTask;
                try
                {
                    // Real time, as Orleans' own response timeout: an attempt unanswered by then is left (it may still
                    // arrive) and the report sent again, through a live gateway to the grain's live activation.
                    sent = report();
                    await sent.WaitAsync(options.ReportAttemptTimeout);
                    break;
                }
                catch (UnauthorizedAccessException ex)
                {
                    // The pool will refuse it again: sending it on would hold up the reports behind it.
                    logger.LogError(ex, "Node {NodeId} is not allowed to send a report; dropped", NodeId);
                    break;
                }
                catch (TimeoutException) when (!sent.IsCompleted && attempt < 120 && !stopping.IsCancellationRequested)
                {
                    logger.LogWarning("Node {NodeId} heard nothing back from a report within {Timeout} (attempt {Attempt}): sending it again", NodeId, options.ReportAttemptTimeout, attempt);
                    LeaveUnanswered(sent);
                }
                catch (Exception ex) when (attempt < 120 && !stopping.IsCancellationRequested)
                {
                    // A silo that died takes a while to be declared dead; a fact dropped meanwhile would leave
                    // a task running forever in its grain, so keep trying (about two minutes in all).
                    logger.LogWarning(ex, "Node {NodeId} report failed (attempt {Attempt}); retrying", NodeId, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 2000)));
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Node {NodeId} gave up on a report", NodeId);
                    break;
                }
            }
        }
    }
}
