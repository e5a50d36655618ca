using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orion.Client.Monitoring;
using Orion.Contracts;
using Orion.Grains;
using Orion.Grains.Access;
using Orion.Grains.Telemetry;

namespace Orion.Silo.Monitoring;

/// <summary>
/// The pool's gauges on the <c>Orion</c> meter, read from <see cref="PoolMonitor"/>'s latest summary so a scrape
/// never calls a grain. The counters and histograms of placements, preemptions and swaps are recorded by the
/// grains themselves (<see cref="OrionTelemetry"/>).
/// </summary>
public sealed class PoolMetrics
{
    private const long MiB = 1024 * 1024;

    public PoolMetrics(IMeterFactory meters, PoolMonitor monitor, AccessTokens tokens, [FromKeyedServices(OrionClock.Key)] TimeProvider time)
    {
        var meter = meters.Create(OrionTelemetry.Name);
        IEnumerable<CardSummary> Cards() => monitor.Current?.Cards ?? [];
        IEnumerable<NodeSummary> Nodes() => monitor.Current?.Nodes ?? [];
        meter.CreateObservableGauge("orion.gpu.compute.capacity", () => Cards().Select(c => Measure(c.ComputeCapacityMilli, c)), "{millicard}", "Allocatable compute of a card (1000 = one card).");
        meter.CreateObservableGauge("orion.gpu.compute.allocated", () => Cards().Select(c => Measure(c.ComputeAllocatedMilli, c)), "{millicard}", "Compute held by a card's slices.");
        meter.CreateObservableGauge("orion.gpu.compute.in_use", () => Cards().Select(c => Measure(c.ComputeInUseMilli, c)), "{millicard}", "Compute held by a card's running, unpaused tasks.");
        meter.CreateObservableGauge("orion.gpu.memory.capacity", () => Cards().Select(c => Measure(c.MemoryMiB * MiB, c)), "By", "Device memory of a card.");
        meter.CreateObservableGauge("orion.gpu.memory.allocated", () => Cards().Select(c => Measure(c.MemoryAllocatedMiB * MiB, c)), "By", "GPU memory held by a card's slices.");
        meter.CreateObservableGauge("orion.gpu.memory.resident", () => Cards().Select(c => Measure(c.ResidentMiB * MiB, c)), "By", "A card's slices' memory on the device now.");
        meter.CreateObservableGauge("orion.gpu.memory.host", () => Cards().Select(c => Measure(c.HostMiB * MiB, c)), "By", "A card's slices' memory moved to host RAM now.");
        meter.CreateObservableGauge("orion.gpu.busy", () => Cards().Where(c => c.MeasuredBusyPercent is not null).Select(c => Measure(c.MeasuredBusyPercent!.Value / 100, c)), "1", "How busy a card was at its daemon's last heartbeat, as measured (NVML utilisation on NVIDIA cards).");
        meter.CreateObservableGauge("orion.gpu.memory.used", () => Cards().Where(c => c.MeasuredMemoryMiB is not null).Select(c => Measure(c.MeasuredMemoryMiB!.Value * MiB, c)), "By", "Device memory in use on a card at its daemon's last heartbeat, as measured.");
        meter.CreateObservableGauge("orion.gpu.faulted", () => Cards().Select(c => Measure(c.Fault is null ? 0 : 1, c)), "1", "1 while a card's daemon reports it broken (it takes no work; its runs were failed over).");
        meter.CreateObservableGauge("orion.gpu.cordoned", () => Cards().Select(c => Measure(c.CordonReason is null ? 0 : 1, c)), "1", "1 while an operator has a card cordoned (no new work; its tasks run on, or were drained).");
        meter.CreateObservableGauge("orion.tasks", () => (monitor.Current?.TasksByState ?? Enumerable.Empty<KeyValuePair<string, int>>()).Select(kv =>
            new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("orion.task.state", kv.Key))), "{task}", "Tasks the catalogue knows, by state.");
        meter.CreateObservableGauge("orion.node.schedulable", () => Nodes().Select(n => new Measurement<long>(n.Schedulable ? 1 : 0, Tags(n))), "1", "1 while a node takes new work: its daemon is attached and it is not cordoned.");
        meter.CreateObservableGauge("orion.node.cordoned", () => Nodes().Select(n => new Measurement<long>(n.CordonReason is null ? 0 : 1, Tags(n))), "1", "1 while an operator has a node cordoned (no new work; its tasks run on, or were drained).");
        meter.CreateObservableGauge("orion.node.maintenance.starts_in", () => Nodes().Where(n => !n.Maintenance.IsDefaultOrEmpty).Select(n =>
            new Measurement<double>((n.Maintenance[0].Start - time.GetUtcNow()).TotalSeconds, Tags(n))), "s",
            "How long until a node's next maintenance window starts (negative: in force since then); nodes with one planned.");
        IEnumerable<TenantUsage> Tenants() => monitor.Current is { Tenants.IsDefault: false } p ? p.Tenants : [];
        meter.CreateObservableGauge("orion.tenant.compute", () => Tenants().Select(t => new Measurement<double>(t.GpuPercent * 10, Tags(t))), "{millicard}", "Compute a tenant's admitted live tasks ask (tenants with a quota).");
        meter.CreateObservableGauge("orion.tenant.compute.limit", () => Tenants().Where(t => t.Quota?.GpuPercent is not null).Select(t => new Measurement<double>(t.Quota!.GpuPercent!.Value * 10, Tags(t))), "{millicard}", "A tenant's compute quota.");
        meter.CreateObservableGauge("orion.tenant.memory", () => Tenants().Select(t => new Measurement<long>(t.GpuMemoryMiB * MiB, Tags(t))), "By", "GPU memory a tenant's admitted live tasks ask (tenants with a quota).");
        meter.CreateObservableGauge("orion.tenant.memory.limit", () => Tenants().Where(t => t.Quota?.GpuMemoryMiB is not null).Select(t => new Measurement<long>(t.Quota!.GpuMemoryMiB!.Value * MiB, Tags(t))), "By", "A tenant's GPU memory quota.");
        meter.CreateObservableGauge("orion.tenant.tasks", () => Tenants().Select(t => new Measurement<long>(t.Tasks, Tags(t))), "{task}", "A tenant's admitted live tasks (tenants with a quota).");
        meter.CreateObservableGauge("orion.tenant.share", () => (monitor.Current is { Shares.IsDefault: false } p ? p.Shares : []).Select(s =>
            new Measurement<double>(s.Share, new TagList { { OrionTelemetry.Attributes.Tenant, s.Tenant } })), "1", "A tenant's dominant share of the pool's cards (0 to 1), as fair sharing weighs it.");
        meter.CreateObservableGauge("orion.tenant.share.past", () => (monitor.Current is { Shares.IsDefault: false } p ? p.Shares : []).Where(s => s.PastShare is not null).Select(s =>
            new Measurement<double>(s.PastShare!.Value, new TagList { { OrionTelemetry.Attributes.Tenant, s.Tenant } })), "1",
            "A tenant's past share of the pool's cards (0 to 1), its metered usage decayed by the half-life, when fair sharing counts usage history.");
        meter.CreateObservableGauge("orion.tenant.compute.borrowed", () => Tenants().Select(t => new Measurement<double>(t.BorrowedGpuPercent * 10, Tags(t))), "{millicard}", "Compute a tenant's live tasks on borrowed room ask, beyond its quota.");
        meter.CreateObservableGauge("orion.tenant.tasks.waiting", () => Tenants().Select(t => new Measurement<long>(t.Waiting, Tags(t))), "{task}", "A tenant's tasks in line for room under its quota.");
        meter.CreateObservableGauge("orion.tenant.budget.spent", () => Tenants().Where(t => t.GpuHoursThisMonth is not null).Select(t => new Measurement<double>(t.GpuHoursThisMonth!.Value, Tags(t))), "{card-hour}",
            "Card-hours a tenant's tasks were metered this calendar month (UTC), for tenants with a monthly budget (alert as it nears orion.tenant.budget.limit).");
        meter.CreateObservableGauge("orion.tenant.budget.limit", () => Tenants().Where(t => t.Quota?.GpuHoursPerMonth is not null).Select(t => new Measurement<double>(t.Quota!.GpuHoursPerMonth!.Value, Tags(t))), "{card-hour}",
            "A tenant's monthly budget of card-hours: once spent, its new tasks wait for the next month.");
        IEnumerable<DeploymentSummary> Deployments() => monitor.Current is { Deployments.IsDefault: false } p ? p.Deployments : [];
        meter.CreateObservableGauge("orion.deployment.replicas", () => Deployments().Select(d => new Measurement<long>(d.Replicas, Tags(d))), "{task}", "The replicas a deployment keeps.");
        meter.CreateObservableGauge("orion.deployment.ready", () => Deployments().Select(d => new Measurement<long>(d.Ready, Tags(d))), "{task}", "A deployment's replicas of its current revision that run (alert when below orion.deployment.replicas).");
        meter.CreateObservableGauge("orion.deployment.busy", () => Deployments().Where(d => d.BusyPercent is not null).Select(d => new Measurement<double>(d.BusyPercent!.Value / 100, Tags(d))), "1",
            "How busy a deployment that scales itself found its running replicas at its last look, on average (0 to 1).");
        meter.CreateObservableGauge("orion.deployment.metric", () => Deployments().Where(d => d.MetricValue is not null).Select(d => new Measurement<double>(d.MetricValue!.Value, Tags(d))), null,
            "The metric a deployment scales on, per replica, as its replicas' daemons read it at its last look (its target is in its autoscale).");
        meter.CreateObservableGauge("orion.access.token.expires_in", () => tokens.InForce().Where(t => t.Token.Expires is not null).Select(t =>
            new Measurement<double>((t.Token.Expires!.Value - time.GetUtcNow()).TotalSeconds, new TagList
            {
                { "orion.access.token", t.Token.Name },
                { OrionTelemetry.Attributes.Role, t.Token.Role.ToString().ToLowerInvariant() },
                { "orion.access.source", t.Source },
            })), "s", "How long until each token this silo takes expires (negative: expired, still in the settings or not yet revoked); alert before it reaches 0.");
        IEnumerable<FreeRoom> Room() => monitor.Current is { } pool ? FreeRoom.Of(pool.Nodes) : [];
        meter.CreateObservableGauge("orion.room.scattered", () => Room().Select(r => new Measurement<double>(r.ScatteredShare, Tags(r))), "1",
            "The share of a data centre's free compute that lies on cards already in use (0 to 1): room only slices can take; what consolidation gathers.");
        meter.CreateObservableGauge("orion.room.empty_cards", () => Room().Select(r => new Measurement<long>(r.EmptyCards, Tags(r))), "{card}",
            "A data centre's cards that hold nothing and take work: what tasks of whole cards can have now.");
        meter.CreateObservableGauge("orion.queue.depth", () => monitor.Current is { } p ? [new Measurement<long>(p.Queue.Length)] : Array.Empty<Measurement<long>>(), "{task}", "Tasks waiting for capacity.");
    }

    private static TagList Tags(NodeSummary n) => new()
    {
        { OrionTelemetry.Attributes.Node, n.NodeId },
        { OrionTelemetry.Attributes.DataCenter, n.DataCenter },
    };

    private static TagList Tags(FreeRoom r) => new() { { OrionTelemetry.Attributes.DataCenter, r.DataCenter } };

    private static TagList Tags(TenantUsage t) => new() { { OrionTelemetry.Attributes.Tenant, t.Tenant } };

    private static TagList Tags(DeploymentSummary d) => new() { { "orion.deployment", d.Name }, { OrionTelemetry.Attributes.Tenant, d.Tenant } };

    private static Measurement<long> Measure(long value, CardSummary c) => new(value, Tags(c));

    private static Measurement<double> Measure(double value, CardSummary c) => new(value, Tags(c));

    private static TagList Tags(CardSummary c) => new()
    {
        { OrionTelemetry.Attributes.Gpu, c.GpuId },
        { OrionTelemetry.Attributes.Node, c.NodeId },
        { OrionTelemetry.Attributes.DataCenter, c.DataCenter },
        { "orion.gpu.model", c.Model },
    };
}
