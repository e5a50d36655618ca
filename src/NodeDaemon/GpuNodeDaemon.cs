using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orion.Contracts;

namespace Orion.NodeDaemon;

/// <summary>
/// The daemon of one GPU machine: registers its cards with the NodeGrain, takes commands through an
/// observer reference, carries them out on the backend and reports facts (started, exited) to the task
/// grains. Reports go out in order on one queue, never from inside a command, so no grain call waits on
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

    private readonly TimeProvider time;
    private readonly string instance = Guid.NewGuid().ToString("N");
    private int disposed;
    private int unmeasured;

    public GpuNodeDaemon(NodeDaemonOptions options, IGpuBackend backend, IGrainFactory grains, ILogger<GpuNodeDaemon> logger, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        this.options = options;
        this.backend = backend;
        this.grains = grains;
        this.logger = logger;
        backend.Exited += exit => Report(() => grains.Grain<IVGpuTaskGrain>(exit.TaskId).OnExited(exit));
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
        await RegisterAsync();
        registrar = Task.Run(KeepRegistered);
    }

    public Task Start(TaskLaunch launch)
    {
        backend.Start(launch);
        logger.LogDebug("Node {NodeId} started {TaskId} generation {Generation}", NodeId, launch.TaskId, launch.Generation);
        Report(() => grains.Grain<IVGpuTaskGrain>(launch.TaskId).OnStarted(launch.Generation));
        return Task.CompletedTask;
    }

    public Task<bool> Stop(string taskId, long generation) => Task.FromResult(backend.Stop(taskId, generation));

    public Task<bool> Pause(string taskId, long generation, string hold) => Task.FromResult(backend.Pause(taskId, generation, hold));

    public Task<bool> Resume(string taskId, long generation, string hold) => Task.FromResult(backend.Resume(taskId, generation, hold));

    public Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB) => backend.SwapOut(taskId, generation, residentMiB);

    public Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB) => backend.SwapIn(taskId, generation, residentMiB);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        Stopping?.Invoke(this);
        stopping.Cancel();
        reports.Writer.TryComplete();
        foreach (var t in new[] { reporter, registrar })
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
            }
        }

        if (selfReference is not null)
        {
            grains.DeleteObjectReference<INodeDaemon>(selfReference);
        }

        backend.Dispose();
        stopping.Dispose();
    }

    private Task RegisterAsync()
    {
        var registration = new NodeRegistration(NodeId, options.DataCenter, options.CpuMilli, options.MemoryMiB, [.. backend.Devices], backend.Name, options.HostSwapMiB,
            [.. backend.Running.Select(r => new RunningTask(r.Key, r.Value))], instance, Measure(), backend.SliceEnforcement);
        return grains.Grain<INodeGrain>(NodeId).Register(registration, selfReference!);
    }

    /// <summary>The cards' usage for the heartbeat; none when the backend cannot measure (said once, not every beat).</summary>
    private ImmutableArray<CardUsage> Measure()
    {
        try
        {
            return [.. backend.MeasureUsage()];
        }
        catch (BackendException ex)
        {
            if (Interlocked.Exchange(ref unmeasured, 1) == 0)
            {
                logger.LogWarning("Node {NodeId} cannot measure its cards, so it reports no usage: {Reason}", NodeId, ex.Message);
            }

            return [];
        }
    }

    private async Task KeepRegistered()
    {
        while (!stopping.IsCancellationRequested)
        {
            await Task.Delay(options.RegistrationInterval, time, stopping.Token);
            try
            {
                await RegisterAsync();
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Node {NodeId} could not re-register", NodeId);
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
                try
                {
                    await report();
                    break;
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
