using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orion.Contracts;

namespace Orion.Silo;

/// <summary>Healthy when the data centres' schedulers answer and indexes at least one node.</summary>
public sealed class PoolHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = await grains.Grain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var data = new Dictionary<string, object> { ["nodes"] = scheduler.Nodes, ["queued"] = scheduler.Queue.Length, ["policy"] = scheduler.Policy };
        return scheduler.Nodes > 0
            ? HealthCheckResult.Healthy($"{scheduler.Nodes} nodes, {scheduler.Queue.Length} queued", data)
            : HealthCheckResult.Degraded("no nodes registered", data: data);
    }
}
