using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orion.Contracts;

namespace Orion.NodeDaemon.Probes;

/// <summary>
/// Makes the readiness and liveness probes of a node's runs, each every its period on the daemon's clock while its run is
/// in the backend's books under its generation, and says what they come to (<see cref="ProbeStreak"/>). A paused run is
/// not probed: it answers nothing, and that is the pool's doing.
/// </summary>
public sealed class RunProbes(IGpuBackend backend, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (long Generation, CancellationTokenSource Stop, Task Loops)> watched = new(StringComparer.Ordinal);
    private readonly ProbeRunner runner = new();
    private readonly CancellationTokenSource disposing = new();

    /// <summary>A run turned ready or not (why: the probe's last failure).</summary>
    public event Action<TaskLaunch, bool, string?>? ReadinessChanged;

    /// <summary>A run failed its liveness probe its threshold in a row (why, in words).</summary>
    public event Action<TaskLaunch, string>? LivenessFailed;

    /// <summary>Starts probing a run with probes; one already probed under the same or a newer generation is left as it is.</summary>
    public void Watch(TaskLaunch launch)
    {
        if ((launch.Readiness ?? launch.Liveness) is null)
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
            var loops = Task.WhenAll(
                launch.Readiness is { } readiness ? Task.Run(() => Loop(launch, readiness, readinessProbe: true, stop.Token)) : Task.CompletedTask,
                launch.Liveness is { } liveness ? Task.Run(() => Loop(launch, liveness, readinessProbe: false, stop.Token)) : Task.CompletedTask);
            watched[launch.TaskId] = (launch.Generation, stop, loops);
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

    /// <summary>The tasks whose runs are probed now, with their generations.</summary>
    public IReadOnlyDictionary<string, long> Watched => watched.ToDictionary(w => w.Key, w => w.Value.Generation, StringComparer.Ordinal);

    private async Task Loop(TaskLaunch launch, HealthProbe probe, bool readinessProbe, CancellationToken cancellationToken)
    {
        var streak = new ProbeStreak(probe.FailureThreshold);
        var kind = readinessProbe ? "readiness" : "liveness";
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
                else if (readinessProbe)
                {
                    if (streak.Readiness(failure) is { } change)
                    {
                        logger.LogInformation("Task {TaskId} generation {Generation} is {Readiness}{Why}", launch.TaskId, launch.Generation, change.Ready ? "ready" : "not ready", change.Why is null ? "" : $": {change.Why}");
                        ReadinessChanged?.Invoke(launch, change.Ready, change.Why);
                    }
                }
                else if (streak.Liveness(failure) is { } why)
                {
                    logger.LogWarning("Task {TaskId} generation {Generation} failed its liveness probe: {Why}", launch.TaskId, launch.Generation, why);
                    LivenessFailed?.Invoke(launch, why);
                }
                else if (failure is not null)
                {
                    logger.LogDebug("Task {TaskId} failed its {Kind} probe ({Failures} in a row): {Why}", launch.TaskId, kind, streak.Failures, failure);
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
            logger.LogError(ex, "The {Kind} probe of task {TaskId} stopped", kind, launch.TaskId);
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
}
