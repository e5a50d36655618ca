using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>Turns the owners' snapshots (nodes, cards, task catalogue, queue, feed) into one <see cref="PoolSummary"/>. Pure.</summary>
public static class PoolSummarizer
{
    /// <summary>
    /// Builds the summary; cards in <paramref name="nodes"/> should be the cards' own (fresh) snapshots. With fair sharing by
    /// usage history on (<see cref="PoolSettings.FairShareHalfLife"/>), <paramref name="history"/> holds the tenants' metered
    /// days (<see cref="FairShare.HistoryStart"/> on) and each share its past part.
    /// </summary>
    public static PoolSummary Summarize(
        DateTimeOffset at, SchedulerSnapshot scheduler, IEnumerable<NodeSnapshot> nodes, IEnumerable<VGpuTaskStatus> tasks, IEnumerable<PoolEvent> events,
        IEnumerable<TenantUsage>? tenants = null, PoolSettings? settings = null, IReadOnlyDictionary<string, ImmutableArray<UsageDay>>? history = null)
    {
        var byId = new Dictionary<string, VGpuTaskStatus>(StringComparer.Ordinal);
        foreach (var t in tasks)
        {
            byId[t.TaskId] = t;
        }

        var nodeSummaries = nodes.OrderBy(n => n.NodeId, StringComparer.Ordinal).Select(n => new NodeSummary(
            n.NodeId, n.DataCenter, n.Schedulable, n.CpuCapacityMilli, n.CpuAllocatedMilli, n.MemoryCapacityMiB, n.MemoryAllocatedMiB,
            [.. n.Gpus.OrderBy(g => g.Device.Index).Select(g => Card(n, g, byId))], n.Backend, n.SliceEnforcement, n.CordonReason, n.Labels, n.Taints,
            n.Maintenance.IsDefaultOrEmpty ? [] : n.Maintenance, n.Address)).ToImmutableArray();
        var counts = Enum.GetValues<TaskState>().ToImmutableSortedDictionary(s => s.ToString(), s => byId.Values.Count(t => t.State == s), StringComparer.Ordinal);
        var list = byId.Values.OrderByDescending(t => t.SubmittedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal).Select(Task).ToImmutableArray();
        var quotas = (tenants ?? []).OrderBy(t => t.Tenant, StringComparer.Ordinal).ToImmutableArray();
        return new PoolSummary(at, scheduler.Policy, scheduler.Queue.IsDefault ? [] : scheduler.Queue, nodeSummaries, list, counts, [.. events.OrderBy(e => e.Sequence)],
            quotas, settings, Shares(nodeSummaries, byId.Values, quotas, settings?.MemoryOversubscription ?? 1, at, settings?.FairShareHalfLife, history));
    }

    /// <summary>What each tenant holds of the pool's cards (pool-wide; each scheduler weighs its own data centre's).</summary>
    private static ImmutableArray<TenantShare> Shares(
        ImmutableArray<NodeSummary> nodes, IEnumerable<VGpuTaskStatus> tasks, ImmutableArray<TenantUsage> quotas, double memoryOversubscription,
        DateTimeOffset at, TimeSpan? halfLife, IReadOnlyDictionary<string, ImmutableArray<UsageDay>>? history)
    {
        long computeCapacity = 0, memoryCapacity = 0;
        var held = new Dictionary<string, (long ComputeMilli, long MemoryMiB)>(StringComparer.Ordinal);
        // A broken or cordoned card is no capacity, as schedulers see it (their views leave it out); what runs on a cordoned
        // one is still held.
        foreach (var card in nodes.SelectMany(n => n.Cards))
        {
            foreach (var s in card.Slices.Where(s => s.Tenant.Length > 0))
            {
                var (c, m) = held.GetValueOrDefault(s.Tenant);
                held[s.Tenant] = (c + s.ComputeMilli, m + s.MemoryMiB);
            }

            if (card.Fault is not null || card.CordonReason is not null)
            {
                continue;
            }

            computeCapacity += card.ComputeCapacityMilli;
            memoryCapacity += (long)(card.MemoryMiB * memoryOversubscription);
        }

        var queued = tasks.Where(t => t.State == TaskState.Pending).GroupBy(t => t.Spec.Tenant, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var weights = quotas.ToDictionary(q => q.Tenant, q => q.Quota?.Weight ?? 1, StringComparer.Ordinal);
        return [.. held.Keys.Concat(queued.Keys).Concat(weights.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(tenant =>
        {
            var (compute, memory) = held.GetValueOrDefault(tenant);
            double? past = halfLife is { } h
                ? FairShare.PastShare(history?.GetValueOrDefault(tenant) is { IsDefault: false } days ? days : [], at, h, computeCapacity, memoryCapacity)
                : null;
            return new TenantShare(tenant, compute, memory, FairShare.DominantShare(compute, memory, computeCapacity, memoryCapacity),
                weights.GetValueOrDefault(tenant, 1), queued.GetValueOrDefault(tenant), past);
        })];
    }

    /// <summary>A task as lists show it.</summary>
    public static TaskSummary Task(VGpuTaskStatus t) => new(
        t.TaskId, t.Spec.Name, t.Spec.Tenant, t.Spec.Priority.ToString(), t.State.ToString(), t.Placement?.NodeId,
        t.Placement?.GpuIds ?? [], t.Placement?.ComputeMilli ?? t.Spec.Resources.ComputeMilli, t.Placement?.GpuMemoryMiB ?? t.Spec.Resources.GpuMemoryMiB,
        t.ResidentMiB, t.HostMiB, t.SubmittedAt, t.ExitReason, t.QuotaWait, t.Borrowed, t.Spec.Gang?.Name,
        t.Spec.Constraints.Spread?.Group, t.Spec.Constraints.Spread?.MaxPerDomain ?? 0, TopologyKey: t.Spec.Constraints.Spread?.TopologyKey,
        After: t.Spec.After is { Count: > 0 } after ? after : null, Awaiting: t.Awaiting,
        MaxRuntime: t.Spec.MaxRuntime is { } limit ? Durations.Format(limit) : null, HeldBy: t.HeldBy,
        AfterCondition: t.Spec.After is { Count: > 0 } ? t.Spec.AfterCondition.ToString().ToLowerInvariant() : null,
        Labels: t.Spec.Labels is { Count: > 0 } labels ? labels : null, Generation: t.Generation,
        IdleTimeout: t.Spec.IdleTimeout is { } idle ? Durations.Format(idle) : null, Ready: t.Ready, NotReadyBecause: t.NotReadyBecause,
        Readiness: t.Spec.Readiness?.ToString(), Liveness: t.Spec.Liveness?.ToString(), Startup: t.Spec.Startup?.ToString());

    private static CardSummary Card(NodeSnapshot node, GpuSnapshot g, Dictionary<string, VGpuTaskStatus> tasks)
    {
        var paused = Set(g.Paused);
        var onHost = Set(g.OnHost);
        var busy = Set(g.Busy);
        var slices = g.Slices.IsDefault ? [] : g.Slices;
        var summaries = slices.Select(s =>
        {
            var known = tasks.GetValueOrDefault(s.TaskId);
            var state = paused.Contains(s.TaskId) ? nameof(TaskState.Suspended) : known?.State.ToString() ?? nameof(TaskState.Placing);
            return new SliceSummary(s.TaskId, known?.Spec.Name ?? "", known?.Spec.Tenant ?? s.Tenant ?? "", state, s.ComputeMilli, s.MemoryMiB,
                onHost.Contains(s.TaskId), paused.Contains(s.TaskId), busy.Contains(s.TaskId), g.HostMiBOf(s));
        }).ToImmutableArray();

        // In use: what tasks that really run (not placing, not paused) hold; the rest is allocated but idle.
        var inUse = summaries.Where(s => !s.Paused && s.State == nameof(TaskState.Running)).Sum(s => s.ComputeMilli);
        var allocated = summaries.Sum(s => s.MemoryMiB);
        var resident = allocated - summaries.Sum(s => s.HostMiB);
        var measured = node.Usage.IsDefault ? null : node.Usage.FirstOrDefault(u => u.GpuId == g.Device.GpuId);
        return new CardSummary(g.Device.GpuId, node.NodeId, node.DataCenter, g.Device.Index, g.Device.Model,
            g.ComputeCapacityMilli, summaries.Sum(s => s.ComputeMilli), inUse, g.Device.MemoryMiB, allocated, resident, allocated - resident, summaries,
            measured?.BusyPercent, measured?.MemoryUsedMiB, node.FaultOf(g.Device.GpuId), node.CordonOf(g.Device.GpuId), g.Device.LinkDomain);
    }

    private static HashSet<string> Set(ImmutableArray<string> ids) => ids.IsDefault ? [] : new HashSet<string>(ids, StringComparer.Ordinal);
}
