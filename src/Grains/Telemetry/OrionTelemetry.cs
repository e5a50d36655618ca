using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orion.Grains.Telemetry;

/// <summary>
/// Orion's Meter and ActivitySource (both named <c>Orion</c>) and the instruments the grains record on. Static so
/// a grain records with one call and no injected dependency; the silo's OpenTelemetry setup listens by name.
/// Instrument names follow the OpenTelemetry semantic conventions (dotted, lower case, UCUM units).
/// </summary>
public static class OrionTelemetry
{
    public const string Name = "Orion";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Placements = Meter.CreateCounter<long>(
        "orion.placements", "{placement}", "Tasks placed: capacity reserved on a node.");

    public static readonly Histogram<double> PlacementDuration = Meter.CreateHistogram<double>(
        "orion.placement.duration", "s", "Time the scheduler took to choose a node and have it reserve capacity.");

    public static readonly Counter<long> Preemptions = Meter.CreateCounter<long>(
        "orion.preemptions", "{preemption}", "Tasks a card paused for higher-priority work.");

    public static readonly Histogram<double> PreemptionDuration = Meter.CreateHistogram<double>(
        "orion.preemption.duration", "s", "Time from a card's decision to pause work until the daemon acked every pause.");

    public static readonly Counter<long> Swaps = Meter.CreateCounter<long>(
        "orion.swaps", "{swap}", "Moves of a task's GPU memory between device and host RAM.");

    public static readonly Counter<long> SwapBytes = Meter.CreateCounter<long>(
        "orion.swap.bytes", "By", "Bytes moved between device and host RAM.");

    public static readonly Counter<long> QuotaRefusals = Meter.CreateCounter<long>(
        "orion.quota.refusals", "{submit}", "Submits refused because they would pass their tenant's quota.");

    public static readonly Counter<long> Reclaims = Meter.CreateCounter<long>(
        "orion.reclaims", "{eviction}", "Tasks on borrowed room beyond their tenant's quota evicted so a task within its quota could have the room.");

    public static readonly Counter<long> Evictions = Meter.CreateCounter<long>(
        "orion.evictions", "{eviction}", "Running tasks evicted so a task that fit nowhere could have the room: of a lower priority class, or of a tenant over its fair share.");

    public static readonly Counter<long> Moves = Meter.CreateCounter<long>(
        "orion.moves", "{move}", "Running offline tasks moved to another node so a task that fit nowhere, the free room being scattered, could have the room.");

    public static readonly Counter<double> CardSeconds = Meter.CreateCounter<double>(
        "orion.tenant.usage.compute", "{card-second}", "Compute a tenant's tasks held, counted as runs go (every UsageCheckpointInterval) and as each lets go of its capacity (a half-card slice for an hour: 1,800).");

    public static readonly Counter<double> MemorySeconds = Meter.CreateCounter<double>(
        "orion.tenant.usage.memory", "{byte-second}", "GPU memory a tenant's tasks held, counted as runs go and as each lets go of its capacity.");

    /// <summary>
    /// Counts a placement and opens its span, back-dated to when the scheduler began on the task; a child of
    /// <paramref name="parent"/> (the submit that queued it) when given, else of the current span.
    /// </summary>
    public static Activity? Placed(string taskId, string nodeId, string dataCenter, TimeSpan took, ActivityContext parent = default)
    {
        var tags = new TagList { { Attributes.DataCenter, dataCenter }, { Attributes.Node, nodeId } };
        Placements.Add(1, tags);
        PlacementDuration.Record(took.TotalSeconds, tags);
        var span = Source.StartActivity("orion.placement", ActivityKind.Internal, parent, startTime: DateTimeOffset.UtcNow - took);
        span?.SetTag(Attributes.TaskId, taskId).SetTag(Attributes.Node, nodeId).SetTag(Attributes.DataCenter, dataCenter);
        return span;
    }

    /// <summary>Counts the tasks a card paused and how long the pauses took to be acked.</summary>
    public static void Preempted(string gpuId, int tasks, TimeSpan took)
    {
        var tags = new TagList { { Attributes.Gpu, gpuId } };
        Preemptions.Add(tasks, tags);
        PreemptionDuration.Record(took.TotalSeconds, tags);
    }

    /// <summary>Counts one memory move and its bytes.</summary>
    public static void Swapped(string gpuId, bool outward, long bytes)
    {
        var tags = new TagList { { Attributes.Gpu, gpuId }, { Attributes.Direction, outward ? "out" : "in" } };
        Swaps.Add(1, tags);
        SwapBytes.Add(bytes, tags);
    }

    /// <summary>Attribute names, so every recorder spells them alike.</summary>
    public static readonly Counter<long> AccessCalls = Meter.CreateCounter<long>(
        "orion.access.calls", "{call}", "Clients' calls checked against their tokens, by method, the token's role and whether it was allowed.");

    public static readonly Counter<long> Notifications = Meter.CreateCounter<long>(
        "orion.notifications", "{notification}", "Ended tasks' statuses POSTed to their spec's notify URL, by whether the receiver took it.");

    public static class Attributes
    {
        public const string TaskId = "orion.task.id";
        public const string Tenant = "orion.task.tenant";
        public const string PriorityClass = "orion.task.priority_class";
        public const string DataCenter = "orion.data_center";
        public const string Node = "orion.node.id";
        public const string Gpu = "orion.gpu.id";
        public const string Direction = "orion.swap.direction";
        public const string Method = "orion.access.method";
        public const string Role = "orion.access.role";
        public const string Outcome = "orion.access.outcome";

        public const string NotifyOutcome = "orion.notify.outcome";
    }
}
