using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orion.Contracts;

namespace Orion.NodeDaemon.Probes;

/// <summary>
/// Makes the probes of a node's runs, each every its period on the daemon's clock while its run is in the backend's books
/// under its generation, and says what they come to (<see cref="ProbeStreak"/>): a run's startup probe until it passes,
/// then its readiness and liveness probes. A paused run is not probed: it answers nothing, and that is the pool's doing.
/// </summary>
public sealed class RunProbes(IGpuBackend backend, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (long Generation, CancellationTokenSource Stop, Task Loops)> watched = new(StringComparer.Ordinal);
    private readonly ProbeRunner runner = new();
    private readonly CancellationTokenSource disposing = new();

    /// <summary>A run turned ready or not (why: the probe's last failure).</summary>
    public event Action<TaskLaunch, bool, string?>? ReadinessChanged;

    /// <summary>A run failed its liveness or startup probe (the first argument after the launch) its threshold in a row (why, in words).</summary>
    public event Action<TaskLaunch, string, string>? ProbeFailed;

    /// <summary>Starts probing a run with probes; one already probed under the same or a newer generation is left as it is.</summary>
    public void Watch(TaskLaunch launch)
    {
        if ((launch.Startup ?? launch.Readiness ?? launch.Liveness) is null)
        {
            return;
        }

        lock (watched)
        {
            // Under the lock, as the dispose cancels: no loop starts after it.
            if (disposing.IsCancellationRequested || watched.TryGetValue(launch.TaskId, out var now) && now.Generation >= launch.Generation)
            {
                return;
            }

            Forget(launch.TaskId, long.MaxValue);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(disposing.Token);
            watched[launch.TaskId] = (launch.Generation, stop, Task.Run(() => Run(launch, stop.Token)));
        }
    }

    /// <summary>Stops probing a task's run whose generation is not newer than <paramref name="generation"/> (stopped, or ended).</summary>
    public void Forget(string taskId, long generation)
    {
        lock (watched)
        {
            if (watched.TryGetValue(taskId, out var run) && run.Generation <= generation && watched.TryRemove(taskId, out _))
            {
                run.Stop.Cancel();
                _ = run.Loops.ContinueWith(_ => run.Stop.Dispose(), TaskScheduler.Default);
            }
        }
    }

    /// <summary>The startup probe until it passes, then the readiness and liveness probes side by side.</summary>
    private async Task Run(TaskLaunch launch, CancellationToken cancellationToken)
    {
        try
        {
            if (launch.Startup is not { } startup || await Loop(launch, startup, Probe.Startup, cancellationToken))
            {
                if (launch.Startup is not null && launch.Readiness is null)
                {
                    // Started, with no readiness probe to say more: ready.
                    ReadinessChanged?.Invoke(launch, true, null);
                }

                await Task.WhenAll(
                    launch.Readiness is { } readiness ? Loop(launch, readiness, Probe.Readiness, cancellationToken) : Task.CompletedTask,
                    launch.Liveness is { } liveness ? Loop(launch, liveness, Probe.Liveness, cancellationToken) : Task.CompletedTask);
            }
        }
        finally
        {
            // Ended by itself (its run left the books): a later launch of the same generation may probe again.
            lock (watched)
            {
                if (!cancellationToken.IsCancellationRequested && watched.TryGetValue(launch.TaskId, out var run) && run.Generation == launch.Generation
                    && watched.TryRemove(launch.TaskId, out _))
                {
                    _ = run.Loops.ContinueWith(_ => run.Stop.Dispose(), TaskScheduler.Default);
                }
            }
        }
    }

    /// <summary>Makes one probe every its period while the run is in the books; true once a startup probe has passed.</summary>
    private async Task<bool> Loop(TaskLaunch launch, HealthProbe probe, Probe kind, CancellationToken cancellationToken)
    {
        var streak = new ProbeStreak(probe.FailureThreshold);
        var name = kind.ToString().ToLowerInvariant();
        try
        {
            await Task.Delay(probe.InitialDelay, time, cancellationToken);
            while (backend.Running.TryGetValue(launch.TaskId, out var generation) && generation == launch.Generation)
            {
                if (backend.IsPaused(launch.TaskId))
                {
                    streak.Paused();
                }
                else if (await runner.CheckAsync(probe, launch, cancellationToken) is var failure && failure is not null && backend.IsPaused(launch.TaskId))
                {
                    // Paused while probed: its silence is not its own.
                    streak.Paused();
                }
                else if (kind == Probe.Startup && failure is null)
                {
                    logger.LogInformation("Task {TaskId} generation {Generation} passed its startup probe", launch.TaskId, launch.Generation);
                    return true;
                }
                else if (kind == Probe.Readiness)
                {
                    if (streak.Readiness(failure) is { } change)
                    {
                        logger.LogInformation("Task {TaskId} generation {Generation} is {Readiness}{Why}", launch.TaskId, launch.Generation, change.Ready ? "ready" : "not ready", change.Why is null ? "" : $": {change.Why}");
                        ReadinessChanged?.Invoke(launch, change.Ready, change.Why);
                    }
                }
                else if (streak.Liveness(failure) is { } why)
                {
                    logger.LogWarning("Task {TaskId} generation {Generation} failed its {Kind} probe: {Why}", launch.TaskId, launch.Generation, name, why);
                    ProbeFailed?.Invoke(launch, name, why);
                }
                else if (failure is not null)
                {
                    logger.LogDebug("Task {TaskId} failed its {Kind} probe ({Failures} in a row): {Why}", launch.TaskId, name, streak.Failures, failure);
                }

                await Task.Delay(probe.Period, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A loop that died would leave a run unprobed for ever without a word.
            logger.LogError(ex, "The {Kind} probe of task {TaskId} stopped", name, launch.TaskId);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        Task[] loops;
        lock (watched)
        {
            if (disposing.IsCancellationRequested)
            {
                return;
            }

            disposing.Cancel();
            loops = [.. watched.Values.Select(w => w.Loops)];
            watched.Clear();
        }

        await Task.WhenAll(loops);
        runner.Dispose();
        disposing.Dispose();
    }

    private enum Probe
    {
        Startup,
        Readiness,
        Liveness,
    }
}
