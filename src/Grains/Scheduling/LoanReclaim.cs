using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Which tasks on borrowed room to evict so that tasks within their quotas, which fit nowhere now, fit. Per waiting task
/// in queue order: the node where the fewest borrowed tasks (then the least borrowed compute, then the node's id) make
/// room for it, each node once per decision and none whose evictions are still under way. Borrowed tasks of the lowest
/// priority class go first, and none is evicted that the task would fit without. Pure: no Orleans types.
/// </summary>
public static class LoanReclaim
{
    /// <summary>
    /// The evictions for <paramref name="waiting"/> (the first <paramref name="limit"/> of them) on the nodes that hold
    /// borrowed tasks, never on <paramref name="busy"/> ones. A waiting task that no such node could take after every
    /// eviction there gets none: nothing is evicted for nothing. <paramref name="domainAllows"/> as for
    /// <see cref="PriorityPreemption.Plan"/>.
    /// </summary>
    public static ImmutableArray<ReclaimPlan> Plan(
        IEnumerable<NodeSnapshot> lenders, IReadOnlyList<(string TaskId, PlacementRequest Request)> waiting, IReadOnlySet<string> busy, int limit,
        Func<string, PlacementRequest, bool>? domainAllows = null)
    {
        var count = Math.Min(limit, waiting.Count);
        return [.. FewestEvictions.Pick(lenders.Where(n => !n.Borrowed.IsDefaultOrEmpty), busy, count, (i, node) => domainAllows?.Invoke(node.NodeId, waiting[i].Request) == false ? null : Victims(node, waiting[i].Request), v => v.TaskId)
            .Select(p => new ReclaimPlan(waiting[p.Waiting].TaskId, p.NodeId, p.Victims))];
    }

    /// <summary>The fewest borrowed tasks of <paramref name="node"/> whose eviction lets it take <paramref name="request"/>; null when none would.</summary>
    public static ImmutableArray<BorrowedHolding>? Victims(NodeSnapshot node, PlacementRequest request)
    {
        // A preferred spread group never keeps a task off a node (it goes where the group is thinnest).
        if (request.Spread is { Preferred: true })
        {
            request = request with { Spread = null };
        }

        // A node that could not take it even with every loan gone costs one look (rounds ask again while tasks wait).
        var probe = NodeView.FromSnapshot(node);
        if (!Feasibility.KindAndPlaceFit(probe, request) || !Fits(node, node.Borrowed, request))
        {
            return null;
        }

        // Lowest class first, then the largest (fewest evictions), then by id so the choice does not depend on order.
        var candidates = node.Borrowed
            .Select(b => (Holding: b, Class: ClassOf(node, b.TaskId), Compute: FewestEvictions.ComputeOf(node, [b.TaskId])))
            .OrderBy(c => c.Class).ThenByDescending(c => c.Compute).ThenBy(c => c.Holding.TaskId, StringComparer.Ordinal)
            .Select(c => c.Holding).ToList();
        var chosen = new List<BorrowedHolding>();
        foreach (var c in candidates)
        {
            chosen.Add(c);
            if (Fits(node, chosen, request))
            {
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
        }

        return null;
    }

    /// <summary>Whether <paramref name="node"/> takes <paramref name="request"/> once <paramref name="evicted"/> are gone.</summary>
    private static bool Fits(NodeSnapshot node, IReadOnlyCollection<BorrowedHolding> evicted, PlacementRequest request)
    {
        var gone = evicted.Select(e => e.TaskId).ToHashSet(StringComparer.Ordinal);
        var after = node with
        {
            CpuAllocatedMilli = node.CpuAllocatedMilli - evicted.Sum(e => e.CpuMilli),
            MemoryAllocatedMiB = node.MemoryAllocatedMiB - evicted.Sum(e => e.HostMemoryMiB),
            Gpus = [.. node.Gpus.Select(g => g.Slices.Any(s => gone.Contains(s.TaskId)) ? g with { Slices = [.. g.Slices.Where(s => !gone.Contains(s.TaskId))] } : g)],
        };
        return Feasibility.NodeFits(NodeView.FromSnapshot(after), request);
    }

    private static PriorityClass ClassOf(NodeSnapshot node, string taskId) =>
        node.Gpus.SelectMany(g => g.Slices).FirstOrDefault(s => s.TaskId == taskId)?.Priority?.Class ?? PriorityClass.Offline;
}
