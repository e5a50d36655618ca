using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Which running tasks of a lower priority class to evict so that tasks of a higher class, which fit nowhere now, fit (as
/// Kubernetes preempts lower-priority pods). Per waiting task in queue order: the node where the fewest evictions (then
/// the least compute evicted, then the node's id) make room, each node once per decision and none whose evictions are
/// still under way. Victims come from the lowest class and level up, never a gang's member (alone, its gang could not
/// go on), and none is evicted that the task would fit without. Only card room is counted as freed: a node whose host CPU or memory cannot take the task now is passed over
/// (the cards are what a GPU pool runs short of, and the snapshot does not say what host room each task holds). Pure.
/// </summary>
public static class PriorityPreemption
{
    /// <summary>
    /// The evictions for <paramref name="waiting"/> (the first <paramref name="limit"/> of them) on <paramref name="nodes"/>,
    /// never on <paramref name="busy"/> ones. A waiting task that no node could take after every eviction allowed there
    /// gets none: nothing is evicted for nothing. <paramref name="domainAllows"/> says whether a node's spread domain
    /// (a zone, counted over the scheduler's whole view, which one node's snapshot cannot) has room for the request's group.
    /// </summary>
    public static ImmutableArray<PreemptionPlan> Plan(
        IEnumerable<NodeSnapshot> nodes, IReadOnlyList<(string TaskId, PlacementRequest Request, PriorityClass Class)> waiting, IReadOnlySet<string> busy, int limit,
        Func<string, PlacementRequest, bool>? domainAllows = null)
    {
        var count = Math.Min(limit, waiting.Count);
        return [.. FewestEvictions.Pick(nodes, busy, count, (i, node) => domainAllows?.Invoke(node.NodeId, waiting[i].Request) == false ? null : Victims(node, waiting[i].Request, waiting[i].Class), v => v.TaskId)
            .Select(p => new PreemptionPlan(waiting[p.Waiting].TaskId, p.NodeId, p.Victims))];
    }

    /// <summary>
    /// The fewest tasks of a class below <paramref name="cls"/> on <paramref name="node"/> whose eviction lets it take
    /// <paramref name="request"/>; null when it fits already, or when no such evictions would make it fit.
    /// </summary>
    public static ImmutableArray<(string TaskId, long Generation)>? Victims(NodeSnapshot node, PlacementRequest request, PriorityClass cls) =>
        Victims(node, request, s => (s.Priority?.Class ?? PriorityClass.Offline) < cls && !s.Gang);

    /// <summary>
    /// The fewest tasks on <paramref name="node"/> of those <paramref name="eligible"/> allows (lowest class and level first,
    /// then the largest) whose leaving its cards lets it take <paramref name="request"/>; null when it fits already, when its
    /// host or labels could not take it, or when no such tasks leaving would make it fit.
    /// </summary>
    public static ImmutableArray<(string TaskId, long Generation)>? Victims(NodeSnapshot node, PlacementRequest request, Func<GpuSlice, bool> eligible)
    {
        // A preferred spread group never keeps a task off a node, so it does not keep one from evicting there either.
        if (request.Spread is { Preferred: true })
        {
            request = request with { Spread = null };
        }

        var view = NodeView.FromSnapshot(node);
        if (!Feasibility.HostFits(view, request) || !Feasibility.NodeAllows(view, request) || Feasibility.NodeFits(view, request))
        {
            return null;
        }

        // Lowest class and level first, then the largest (fewest evictions), then by id so the choice does not depend on order.
        var candidates = node.Gpus.SelectMany(g => g.Slices)
            .Where(eligible)
            .GroupBy(s => (s.TaskId, s.Generation))
            .Select(g => (g.Key, Priority: g.First().Priority ?? new TaskPriority(PriorityClass.Offline), Compute: g.Sum(s => (long)s.ComputeMilli)))
            .OrderBy(c => c.Priority.Class).ThenBy(c => c.Priority.Level).ThenByDescending(c => c.Compute).ThenBy(c => c.Key.TaskId, StringComparer.Ordinal)
            .Select(c => c.Key).ToList();
        if (candidates.Count == 0 || !Fits(node, candidates, request))
        {
            return null;
        }

        var chosen = new List<(string TaskId, long Generation)>();
        foreach (var c in candidates)
        {
            chosen.Add(c);
            if (Fits(node, chosen, request))
            {
                break;
            }
        }

        // Keep only those it needs: any it fits without stays.
        for (var i = chosen.Count - 2; i >= 0; i--)
        {
            var without = chosen.Where((_, k) => k != i).ToList();
            if (Fits(node, without, request))
            {
                chosen = without;
            }
        }

        return [.. chosen];
    }

    /// <summary>Whether <paramref name="node"/> takes <paramref name="request"/> once <paramref name="evicted"/> have left its cards.</summary>
    private static bool Fits(NodeSnapshot node, IReadOnlyCollection<(string TaskId, long Generation)> evicted, PlacementRequest request)
    {
        var gone = evicted.Select(e => e.TaskId).ToHashSet(StringComparer.Ordinal);
        var after = node with
        {
            Gpus = [.. node.Gpus.Select(g => g.Slices.Any(s => gone.Contains(s.TaskId)) ? g with { Slices = [.. g.Slices.Where(s => !gone.Contains(s.TaskId))] } : g)],
        };
        return Feasibility.NodeFits(NodeView.FromSnapshot(after), request);
    }
}
