using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Orion.Client;
using Orion.Contracts;
using Orion.Grains.Telemetry;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Memory moves show up in the swap counters and the event feed (own data centre, so parallel tests do not count).</summary>
public sealed class SwapTelemetryTests
{
    [Fact]
    public async Task Moving_an_idle_services_memory_to_host_is_counted_in_swaps_and_bytes_and_in_the_feed()
    {
        var dc = "dc-swap-" + Guid.NewGuid().ToString("N")[..6];
        var card = $"{dc}/n0/0";
        var measured = new ConcurrentQueue<(string Instrument, long Value)>();
        using var metrics = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == OrionTelemetry.Name && i.Name.StartsWith("orion.swap", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        metrics.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == OrionTelemetry.Attributes.Gpu && Equals(t.Value, card))
                {
                    measured.Enqueue((i.Name, v));
                }
            }
        });
        metrics.Start();

        await using var pool = await StartAsync([Node("n0", gpus: 1, dc: dc)], oversubscription: 2.0, memoryOversubscription: 2.0);
        await using var lease = await pool.Client.AcquireAsync(
            Specs.Service(30, 40_960, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.FromSeconds(1) });
        var training = new TaskSpec("train", "research", new TaskPriority(PriorityClass.Training), ResourceRequest.Slice(100, 70_000, 1000, 1024),
            PlacementConstraints.None, WorkloadSpec.Training(1, 3_600_000, 70_000));
        var train = await pool.SubmitAsync(training);
        await pool.WhileAdvancing(pool.WaitForAsync(train.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));

        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(1, measured.Where(m => m.Instrument == "orion.swaps").Sum(m => m.Value));
            // What training lacks of the device moves (81,920 − 70,000 MiB of the service stay).
            Assert.Equal(29_040L * 1024 * 1024, measured.Where(m => m.Instrument == "orion.swap.bytes").Sum(m => m.Value));
            return Task.CompletedTask;
        });
        await pool.EventuallyAsync(async () =>
        {
            var feed = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100);
            Assert.Contains(feed, e => e.Kind == PoolEventKinds.SwapOut && e.TaskId == lease.TaskId && e.Where == card && e.Bytes == 29_040L * 1024 * 1024);
        });
    }
}
