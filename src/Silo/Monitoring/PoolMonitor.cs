using Microsoft.Extensions.Options;
using Orion.Client;
using Orion.Client.Monitoring;

namespace Orion.Silo.Monitoring;

/// <summary>
/// Reads the whole pool every <see cref="MonitorOptions.RefreshInterval"/> and keeps the latest summary, so the
/// metrics, the API and every page viewer share one read instead of each calling the grains.
/// </summary>
public sealed class PoolMonitor(IGrainFactory grains, IOptions<MonitorOptions> options, ILogger<PoolMonitor> logger) : BackgroundService
{
    private readonly OrionClient client = new(grains);
    private TaskCompletionSource<PoolSummary> next = NewSignal();

    /// <summary>The latest summary; null until the first read succeeds.</summary>
    public PoolSummary? Current { get; private set; }

    /// <summary>Completes with the summary of the next successful read.</summary>
    public Task<PoolSummary> NextAsync(CancellationToken cancellationToken) => next.Task.WaitAsync(cancellationToken);

    /// <summary>Reads the pool now (also updates <see cref="Current"/>).</summary>
    public async Task<PoolSummary> RefreshAsync(CancellationToken cancellationToken)
    {
        var pool = await client.GetPoolAsync(options.Value.Events, cancellationToken);
        Current = pool;
        Interlocked.Exchange(ref next, NewSignal()).TrySetResult(pool);
        return pool;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The silo may not be up yet, or a grain is moving: the next tick tries again.
                logger.LogDebug(ex, "Reading the pool failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static TaskCompletionSource<PoolSummary> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
