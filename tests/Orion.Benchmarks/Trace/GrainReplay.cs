using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orion.Client;
using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.Trace;

/// <summary>
/// Replays one seed of a trace through a real in-process silo: embedded simulated nodes of the trace's shape, every
/// pod a task submitted through the SDK (VGpuTaskGrain → SchedulerGrain → NodeGrain → GpuGrain), with
/// <see cref="PlacementConstraints.FailIfUnplaceable"/> so a pod that fits nowhere fails as the protocol says.
/// </summary>
public static class GrainReplay
{
    /// <summary>A sharing pod's GPU memory per thousandth of a card: the smallest trace card's memory (16 GiB) ÷ 1000, so memory never binds before compute.</summary>
    public const double MemoryPerMilli = 16.384;

    /// <summary>The tenant every pod belongs to.</summary>
    public const string Tenant = "trace";

    /// <param name="submitMany">Pods per <see cref="OrionClient.SubmitManyAsync"/> call, <paramref name="inFlight"/> pods in flight in all; 0: one <see cref="OrionClient.SubmitAsync"/> per pod.</param>
    /// <param name="countCalls">Count the grain calls the silo receives and write them per pod to <paramref name="log"/>.</param>
    /// <param name="quota">Give the pods' tenant a quota that never binds: every admission is then charged and written.</param>
    public static async Task<GrainRun> RunAsync(
        TraceReplay replay, IReadOnlyList<TraceNode> nodes, string policy, int seed, int inFlight, TextWriter? log = null, int submitMany = 0, bool countCalls = false, bool quota = false)
    {
        var calls = countCalls ? new ConcurrentDictionary<string, long>(StringComparer.Ordinal) : null;
        var settings = new Dictionary<string, string?>
        {
            ["Orion:Pool:Policy"] = policy,
            ["Orion:Pool:ComputeOversubscription"] = "1.0",
        };
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var p = $"Orion:Embedded:NodeList:{i}:";
            settings[p + "Name"] = n.Name;
            settings[p + "DataCenter"] = "trace";
            settings[p + "GpuModel"] = n.Model;
            settings[p + "GpuCount"] = n.Gpus.ToString(CultureInfo.InvariantCulture);
            settings[p + "CpuMilli"] = n.CpuMilli.ToString(CultureInfo.InvariantCulture);
            settings[p + "MemoryMiB"] = n.MemoryMiB.ToString(CultureInfo.InvariantCulture);
        }

        using var host = InProcessSilo.Build(settings, "orion-trace", silo =>
        {
            if (calls is not null)
            {
                // Every grain call the silo receives, by interface method (storage and timers included).
                silo.AddIncomingGrainCallFilter(ctx =>
                {
                    calls.AddOrUpdate($"{ctx.InterfaceMethod?.DeclaringType?.Name}.{ctx.InterfaceMethod?.Name}", 1, (_, v) => v + 1);
                    return ctx.Invoke();
                });
            }
        });
        var startup = Stopwatch.StartNew();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await using var orion = new OrionClient(grains);
            var pool = grains.GetGrain<IPoolGrain>(GrainKeys.Pool);
            while ((await pool.GetSchedulerSnapshot()).Nodes < nodes.Count)
            {
                if (startup.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new TimeoutException($"only {(await pool.GetSchedulerSnapshot()).Nodes} of {nodes.Count} nodes registered");
                }

                await Task.Delay(50);
            }

            log?.WriteLine(FormattableString.Invariant($"  silo up with {nodes.Count} nodes in {startup.Elapsed.TotalSeconds:F1} s"));
            if (quota)
            {
                await orion.SetQuotaAsync(Tenant, new TenantQuota(GpuPercent: TenantQuota.MaxGpuPercent));
            }

            var arrivals = replay.Arrivals(seed);
            var ids = new string[arrivals.Count];
            var chunk = Math.Max(1, submitMany);
            calls?.Clear();
            var run = await Measure(arrivals.Count, inFlight, chunk, async (from, count) =>
            {
                for (var k = from; k < from + count; k++)
                {
                    ids[k] = $"pod-{k:D6}";
                }

                if (submitMany > 0)
                {
                    await orion.SubmitManyAsync([.. Enumerable.Range(from, count).Select(k => new TaskSubmission(SpecOf(replay.Pods[arrivals[k]]), ids[k]))]);
                }
                else
                {
                    await orion.SubmitAsync(SpecOf(replay.Pods[arrivals[from]]), ids[from]);
                }
            });
            var counted = calls?.ToDictionary();

            // Submit returns once the scheduler decided; the task's own state follows by a one-way message.
            var placed = new ConcurrentDictionary<int, bool>();
            var pending = Enumerable.Range(0, arrivals.Count).ToList();
            while (pending.Count > 0)
            {
                var states = await Task.WhenAll(pending.Select(async k => (k, (await orion.GetAsync(ids[k]))!.State)));
                pending = [];
                foreach (var (k, state) in states)
                {
                    if (state == TaskState.Pending)
                    {
                        pending.Add(k);
                    }
                    else
                    {
                        placed[k] = state != TaskState.Failed;
                    }
                }

                if (pending.Count > 0)
                {
                    await Task.Delay(20);
                }
            }

            // The baseline, side by side in the same silo once the tasks have settled (their starts no longer compete):
            // the same pods, each only a new grain, a call and a state write.
            var floor = await Measure(arrivals.Count, inFlight, 1, (from, _) =>
                grains.GetGrain<IFloorGrain>($"floor-{seed}-{inFlight}-{from:D6}").Submit(SpecOf(replay.Pods[arrivals[from]])));

            var rounds = (await pool.GetSchedulerSnapshot()).Rounds;
            if (counted is not null)
            {
                log?.WriteLine(FormattableString.Invariant($"  grain calls per pod from the first submission to the last decision, {counted.Values.Sum() / (double)arrivals.Count:F2} in all (node registrations and heartbeats included):"));
                foreach (var (k, v) in counted.OrderByDescending(kv => kv.Value).Where(kv => kv.Value * 100 >= arrivals.Count))
                {
                    log?.WriteLine(FormattableString.Invariant($"    {v / (double)arrivals.Count,6:F2}  {k}"));
                }
            }

            return Summarise(replay, seed, arrivals, k => placed[k], run.Seconds, run.CpuSeconds, inFlight) with
            {
                Rounds = rounds, AllocatedBytes = run.AllocatedBytes, GcPauseSeconds = run.GcPauseSeconds,
                FloorSeconds = floor.Seconds, FloorCpuSeconds = floor.CpuSeconds,
            };
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Runs <paramref name="submit"/> over pods 0..count-1, <paramref name="inFlight"/> pods at a time in chunks, and what that cost the process.</summary>
    private static async Task<Cost> Measure(int count, int inFlight, int chunk, Func<int, int, Task> submit)
    {
        var next = -chunk;
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var pauseBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, inFlight / chunk)).Select(async _ =>
        {
            int from;
            while ((from = Interlocked.Add(ref next, chunk)) < count)
            {
                await submit(from, Math.Min(chunk, count - from));
            }
        }));
        clock.Stop();
        process.Refresh();
        return new Cost(clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpuBefore).TotalSeconds,
            GC.GetTotalAllocatedBytes() - allocatedBefore, (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds);
    }

    private sealed record Cost(double Seconds, double CpuSeconds, long AllocatedBytes, double GcPauseSeconds);

    /// <summary>A trace pod as a task: Offline, a service that never ends (no departures), and fail rather than wait.</summary>
    public static TaskSpec SpecOf(TracePod pod)
    {
        var resources = pod.GpuCount switch
        {
            0 => new ResourceRequest(0, 0, 0, pod.CpuMilli, pod.MemoryMiB),
            1 => new ResourceRequest(1, pod.GpuMilli / 10.0, (long)(pod.GpuMilli * MemoryPerMilli), pod.CpuMilli, pod.MemoryMiB),
            _ => ResourceRequest.WholeGpus(pod.GpuCount, pod.CpuMilli, pod.MemoryMiB),
        };
        return new TaskSpec(pod.Name, Tenant, new TaskPriority(PriorityClass.Offline), resources,
            new PlacementConstraints([.. pod.GpuModels], FailIfUnplaceable: true), WorkloadSpec.Service(0, 0));
    }

    private static GrainRun Summarise(TraceReplay replay, int seed, IReadOnlyList<int> arrivals, Func<int, bool> placed, double seconds, double cpuSeconds, int inFlight)
    {
        var allocation = new double[TraceReplay.Checkpoints.Count];
        var next = 0;
        long arrived = 0;
        long allocated = 0;
        var failed = 0;
        for (var k = 0; k < arrivals.Count; k++)
        {
            var pod = replay.Pods[arrivals[k]];
            if (placed(k))
            {
                allocated += TraceReplay.RequestOf(pod).TotalGpuMilli;
            }
            else
            {
                failed++;
            }

            arrived += pod.RequestedGpuMilli;
            while (next < allocation.Length && arrived * 100 >= TraceReplay.Checkpoints[next] * replay.CapacityMilli)
            {
                allocation[next++] = 100.0 * allocated / replay.CapacityMilli;
            }
        }

        return new GrainRun(seed, inFlight, allocation, arrivals.Count, failed, seconds, cpuSeconds);
    }
}
