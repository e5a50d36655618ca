using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orion.Client;
using Orion.Contracts;
using Orion.Grains.Telemetry;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>The grains' spans, counters and event feed, seen from listeners in this process (own data centre, so parallel tests do not count).</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Submit_placement_and_start_are_one_trace_and_a_preemption_is_counted_timed_traced_and_in_the_feed()
    {
        var dc = "dc-tel-" + Guid.NewGuid().ToString("N")[..6];
        var spans = new ConcurrentQueue<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = s => s.Name == OrionTelemetry.Name || s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(tracing);
        var measured = new ConcurrentQueue<(string Instrument, double Value, string? Where)>();
        using var metrics = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == OrionTelemetry.Name)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        void Record(Instrument i, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? where = null;
            foreach (var t in tags)
            {
                if (t.Key is OrionTelemetry.Attributes.DataCenter or OrionTelemetry.Attributes.Gpu && t.Value is string s && s.StartsWith(dc, StringComparison.Ordinal))
                {
                    where = s;
                }
            }

            measured.Enqueue((i.Name, value, where));
        }

        metrics.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        metrics.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        metrics.Start();

        await using var pool = await StartAsync([Node("n0", gpus: 1, dc: dc)], oversubscription: 2.0);
        var batchId = "tel-" + Guid.NewGuid().ToString("N")[..8];
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 20_000, items: 1, gpuMsPerItem: 1_000_000), batchId);
        await pool.WaitForAsync(batchId, TaskState.Running);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 10_000, requestsPerSecond: 0));
        await using (await lease.BeginRequestAsync())
        {
            await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Suspended, await pool.StateOf(batchId)));
        }

        // Past the lease's hold time the service goes idle and the card resumes the batch.
        pool.Advance(TimeSpan.FromSeconds(5));
        await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Running, await pool.StateOf(batchId)));

        // One trace from submit through placement to start.
        var ofBatch = spans.Where(s => (s.GetTagItem(OrionTelemetry.Attributes.TaskId) as string) == batchId).ToList();
        var submit = Assert.Single(ofBatch, s => s.OperationName == "orion.task.submit");
        var placement = Assert.Single(ofBatch, s => s.OperationName == "orion.placement");
        var start = Assert.Single(ofBatch, s => s.OperationName == "orion.task.start");
        Assert.Equal(submit.TraceId, placement.TraceId);
        Assert.Equal(submit.TraceId, start.TraceId);
        Assert.Equal($"{dc}/n0", placement.GetTagItem(OrionTelemetry.Attributes.Node));
        var card = $"{dc}/n0/0";
        Assert.Contains(spans, s => s.OperationName == "orion.preemption" && (s.GetTagItem(OrionTelemetry.Attributes.Gpu) as string) == card);

        Assert.Equal(2, measured.Where(m => m.Instrument == "orion.placements" && m.Where == dc).Sum(m => m.Value));
        Assert.Equal(2, measured.Count(m => m.Instrument == "orion.placement.duration" && m.Where == dc));
        Assert.Equal(1, measured.Where(m => m.Instrument == "orion.preemptions" && m.Where == card).Sum(m => m.Value));
        Assert.Single(measured, m => m.Instrument == "orion.preemption.duration" && m.Where == card);

        await pool.EventuallyAsync(async () =>
        {
            var feed = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100);
            Assert.Contains(feed, e => e.Kind == PoolEventKinds.Placement && e.TaskId == batchId && e.Where == $"{dc}/n0");
            Assert.Contains(feed, e => e.Kind == PoolEventKinds.Preemption && e.TaskId == batchId && e.Where == card);
            Assert.Contains(feed, e => e.Kind == PoolEventKinds.Resume && e.TaskId == batchId);
            Assert.Equal(feed.Select(e => e.Sequence).Order(), feed.Select(e => e.Sequence));

            // The SDK reads the same feed, after a sequence too.
            var read = await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity);
            Assert.Equal(feed.Select(e => e.Sequence), read.Select(e => e.Sequence));
            Assert.Equal(read.Skip(1).Select(e => e.Sequence), (await pool.Client.GetEventsAsync(read[0].Sequence)).Select(e => e.Sequence));
        });
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity + 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.Client.GetEventsAsync(-1));
    }
}
