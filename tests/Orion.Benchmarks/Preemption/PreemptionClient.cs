using System.Diagnostics;
using System.Text.Json;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Benchmarks.Preemption;

/// <summary>
/// The separate client process: an online service's lease on the card where offline work runs. Times each
/// idle→busy transition from the call to the go-ahead (offline paused and acked), and a plain grain round
/// trip from the same client as the floor.
/// </summary>
public static class PreemptionClient
{
    public static async Task<int> RunAsync(int gatewayPort, int transitions, int warmup, string outPath)
    {
        var options = new OrionClientOptions { GatewayPort = gatewayPort, ClusterId = PreemptionBenchmark.ClusterId, ServiceId = PreemptionBenchmark.ClusterId };
        await using var orion = await OrionClient.ConnectAsync(options);
        var spec = new TaskSpec("bench-online", "bench", new TaskPriority(PriorityClass.Online),
            ResourceRequest.Slice(50, 8192, 1000, 1024), PlacementConstraints.None, WorkloadSpec.Service(0, 0));

        // Hold time zero: every request's end is followed by busy→idle, so every begin is a real idle→busy.
        await using var lease = await orion.AcquireAsync(spec, new LeaseOptions { HoldTime = TimeSpan.Zero });
        using var idle = new SemaphoreSlim(0);
        lease.WentIdle += () => idle.Release();

        var samples = new List<double>(transitions);
        for (var i = 0; i < warmup + transitions; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var request = await lease.BeginRequestAsync();
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (i >= warmup)
            {
                samples.Add(elapsed.TotalMicroseconds);
            }

            await request.DisposeAsync();
            if (!await idle.WaitAsync(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("the lease did not go idle");
            }
        }

        var floor = new List<double>(transitions);
        for (var i = 0; i < warmup + transitions; i++)
        {
            var start = Stopwatch.GetTimestamp();
            _ = await orion.GetAsync(lease.TaskId);
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (i >= warmup)
            {
                floor.Add(elapsed.TotalMicroseconds);
            }
        }

        var report = new PreemptionClientReport([.. samples], [.. floor], lease.TransitionsSent);
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report));
        return 0;
    }
}
