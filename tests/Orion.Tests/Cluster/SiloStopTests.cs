using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Cluster;

/// <summary>A silo that stops does not wait on node daemons that will not answer.</summary>
public sealed class SiloStopTests
{
    [Fact]
    public async Task A_silo_stops_at_once_while_a_card_waits_on_a_daemon_that_stopped()
    {
        await using var pool = await TestPool.StartAsync([], oversubscription: 2.0);
        var options = new NodeDaemonOptions { NodeName = "gone", DataCenter = "dc1" };
        var backend = new SimulatedGpuBackend(options.NodeId, [GpuModelCatalog.Get("A100-80GB")], pool.Clock, options.HostSwapMiB);
        await using var daemon = new GpuNodeDaemon(options, backend, pool.Grains, NullLogger<GpuNodeDaemon>.Instance, pool.Clock);
        await daemon.StartAsync(CancellationToken.None);
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.SchedulerSnapshot()).Nodes));
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1_000_000), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);
        var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0));

        // The daemon stops (its observer goes: a call to it is dropped, never answered), and then the service turns busy:
        // the card marks the batch paused and waits for the daemon's ack of the pause.
        await daemon.DisposeAsync();
        var request = lease.BeginRequestAsync().AsTask();
        var card = pool.Grains.GetGrain<IGpuGrain>(GrainKeys.Gpu(options.NodeId, 0));
        await pool.EventuallyAsync(async () => Assert.Contains("batch", (await card.GetSnapshot())!.Paused));
        Assert.False(backend.IsPaused("batch"));
        Assert.False(request.IsCompleted);

        // The silo stops without waiting for that ack (Orleans' response timeout, or the host's shutdown timeout: 30 s each).
        var watch = Stopwatch.StartNew();
        await pool.DisposeAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the silo took {watch.Elapsed} to stop");

        // The request went with the client; what it ended with does not matter here.
        _ = request.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }
}
