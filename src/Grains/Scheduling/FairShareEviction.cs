using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Which running offline tasks of other tenants to evict so that a tenant's task, which fits nowhere now, fits, when the
/// tenants evicted from hold more than their fair share (as Kueue's fair-sharing preemption: a victim's tenant must still
/// hold at least as much, over its weight, after the eviction as the waiting task's tenant holds after its placement, so
/// two tenants never evict each other back and forth). Shares as <see cref="FairShareOrder"/> weighs them: dominant share
/// of the data centre's cards, plus the past share when usage history counts, over the weight. Victims: offline tasks
/// only (training would lose hours, online work its requests), never a gang's member, never the waiting tenant's own;
/// per waiting task in order, the node where the fewest evictions (then the least compute) make room, each node once.
/// Pure.
/// </summary>
public static class FairShareEviction
{
    /// <summary>
    /// The evictions for <paramref name="waiting"/> (the first <paramref name="limit"/> of them: a task, its request, its
    /// tenant and what it asks in all) on <paramref name="nodes"/>, never on <paramref name="busy"/> ones.
    /// <paramref name="held"/> says what each tenant holds now of <paramref name="capacity"/>; each plan counts what the
    /// ones before it moved. <paramref name="domainAllows"/> as for <see cref="PriorityPreemption.Plan"/>.
    /// </summary>
    public static ImmutableArray<PreemptionPlan> Plan(
        IEnumerable<NodeSnapshot> nodes, IReadOnlyList<(string TaskId, PlacementRequest Request, string Tenant, long ComputeMilli, long MemoryMiB)> waiting,
        Func<string, (long ComputeMilli, long MemoryMiB)> held, (long ComputeMilli, long MemoryMiB) capacity,
        IReadOnlyDictionary<string, double>? weights, IReadOnlyDictionary<string, double>? past, IReadOnlySet<string> busy, int limit,
        Func<string, PlacementRequest, bool>? domainAllows = null)
    {
        var holdings = new Dictionary<string, (long ComputeMilli, long MemoryMiB)>(StringComparer.Ordinal);
        (long ComputeMilli, long MemoryMiB) Held(string tenant) => holdings.TryGetValue(tenant, out var h) ? h : holdings[tenant] = held(tenant);
        double Share(string tenant, (long ComputeMilli, long MemoryMiB) h) => FairShareOrder.Key(
            h.ComputeMilli, h.MemoryMiB, capacity.ComputeMilli, capacity.MemoryMiB, past?.GetValueOrDefault(tenant) ?? 0, weights?.GetValueOrDefault(tenant, 1) ?? 1);

        var open = nodes.ToList();
        var taken = new HashSet<string>(busy, StringComparer.Ordinal);
        var plans = ImmutableArray.CreateBuilder<PreemptionPlan>();
        foreach (var (taskId, request, tenant, computeMilli, memoryMiB) in waiting.Take(limit))
        {
            var mine = Held(tenant);
            var after = Share(tenant, (mine.ComputeMilli + computeMilli, mine.MemoryMiB + memoryMiB));
            var pick = FewestEvictions.Pick(open, taken, 1, (_, node) => domainAllows?.Invoke(node.NodeId, request) == false ? null : Victims(node, request, tenant, after, Held, Share), v => v.TaskId);
            if (pick is not [var (_, nodeId, victims)])
            {
                continue;
            }

            plans.Add(new PreemptionPlan(taskId, nodeId, victims));
            taken.Add(nodeId);
            holdings[tenant] = (mine.ComputeMilli + computeMilli, mine.MemoryMiB + memoryMiB);
            foreach (var (victimTenant, gone) in Freed(open.First(n => n.NodeId == nodeId), victims))
            {
                var h = Held(victimTenant);
                holdings[victimTenant] = (h.ComputeMilli - gone.ComputeMilli, h.MemoryMiB - gone.MemoryMiB);
            }
        }

        return plans.ToImmutable();
    }

    /// <summary>
    /// What a task asking <paramref name="resources"/> holds once placed, over all its cards: a whole card's memory (asked as
    /// 0) counted as <paramref name="wholeCardMiB"/>. Counted as 0, a waiting tenant of whole cards would look smaller than
    /// it will be, and tenants would evict each other in turn.
    /// </summary>
    public static (long ComputeMilli, long MemoryMiB) Asks(ResourceRequest resources, long wholeCardMiB) =>
        ((long)resources.GpuCount * resources.ComputeMilli, resources.GpuCount * (resources.GpuMemoryMiB > 0 ? resources.GpuMemoryMiB : wholeCardMiB));

    /// <summary>
    /// The fewest offline tasks of other tenants on <paramref name="node"/> whose eviction lets it take
    /// <paramref name="request"/>, each victim's tenant still at <paramref name="after"/> or more once all of its victims are
    /// gone; null when none would do.
    /// </summary>
    private static ImmutableArray<(string TaskId, long Generation)>? Victims(
        NodeSnapshot node, PlacementRequest request, string tenant, double after,
        Func<string, (long ComputeMilli, long MemoryMiB)> held, Func<string, (long ComputeMilli, long MemoryMiB), double> share)
    {
        bool Above(string victimTenant, long computeMilli, long memoryMiB)
        {
            var h = held(victimTenant);
            return share(victimTenant, (h.ComputeMilli - computeMilli, h.MemoryMiB - memoryMiB)) >= after;
        }

        var victims = PriorityPreemption.Victims(node, request, s =>
            s.Tenant is { } v && !string.Equals(v, tenant, StringComparison.Ordinal) && (s.Priority?.Class ?? PriorityClass.Offline) == PriorityClass.Offline && !s.Gang
            && Above(v, s.ComputeMilli, s.MemoryMiB));

        // Each victim's tenant once all of its victims here are gone, not only one at a time.
        return victims is { } found && Freed(node, found).All(f => Above(f.Tenant, f.Gone.ComputeMilli, f.Gone.MemoryMiB)) ? found : null;
    }

    /// <summary>What each tenant's <paramref name="victims"/> hold on <paramref name="node"/>'s cards.</summary>
    private static IEnumerable<(string Tenant, (long ComputeMilli, long MemoryMiB) Gone)> Freed(NodeSnapshot node, ImmutableArray<(string TaskId, long Generation)> victims) =>
        node.Gpus.SelectMany(g => g.Slices)
            .Where(s => s.Tenant is not null && victims.Contains((s.TaskId, s.Generation)))
            .GroupBy(s => s.Tenant!, StringComparer.Ordinal)
            .Select(g => (g.Key, (g.Sum(s => (long)s.ComputeMilli), g.Sum(s => s.MemoryMiB))));
}
