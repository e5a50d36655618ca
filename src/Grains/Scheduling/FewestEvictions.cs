using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// How both kinds of eviction (borrowed room taken back, lower priority evicted) pick where to evict: per waiting task in
/// order, the node where the fewest evictions (then the least compute evicted, then the node's id) make room, each node
/// once per decision and none that is busy or not schedulable. Pure.
/// </summary>
public static class FewestEvictions
{
    /// <summary>
    /// For each of the first <paramref name="count"/> waiting tasks (by index), the node and victims chosen, or none when
    /// <paramref name="victims"/> finds no node that evictions would make fit.
    /// </summary>
    public static List<(int Waiting, string NodeId, ImmutableArray<T> Victims)> Pick<T>(
        IEnumerable<NodeSnapshot> nodes, IReadOnlySet<string> busy, int count, Func<int, NodeSnapshot, ImmutableArray<T>?> victims, Func<T, string> taskIdOf)
    {
        var open = nodes.Where(n => n.Schedulable && !busy.Contains(n.NodeId)).OrderBy(n => n.NodeId, StringComparer.Ordinal).ToList();
        var picked = new List<(int, string, ImmutableArray<T>)>();
        for (var i = 0; i < count; i++)
        {
            (string NodeId, ImmutableArray<T> Victims, long Compute)? best = null;
            foreach (var node in open)
            {
                if (victims(i, node) is not { } found)
                {
                    continue;
                }

                var compute = ComputeOf(node, found.Select(taskIdOf));
                if (best is not { } b || found.Length < b.Victims.Length || (found.Length == b.Victims.Length && compute < b.Compute))
                {
                    best = (node.NodeId, found, compute);
                }
            }

            if (best is { } chosen)
            {
                picked.Add((i, chosen.NodeId, chosen.Victims));
                open.RemoveAll(n => n.NodeId == chosen.NodeId);
            }
        }

        return picked;
    }

    /// <summary>Compute the tasks <paramref name="taskIds"/> hold on <paramref name="node"/>'s cards, in thousandths of a card.</summary>
    public static long ComputeOf(NodeSnapshot node, IEnumerable<string> taskIds)
    {
        var ids = taskIds.ToHashSet(StringComparer.Ordinal);
        return node.Gpus.Sum(g => g.Slices.Where(s => ids.Contains(s.TaskId)).Sum(s => (long)s.ComputeMilli));
    }
}
