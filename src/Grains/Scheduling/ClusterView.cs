using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// A scheduler's index of the pool's free capacity: node views in a stable order. Pure: the scheduler
/// grain, the benchmarks and the tests all drive the same class.
/// </summary>
public sealed class ClusterView
{
    private readonly List<NodeView> nodes = [];
    private readonly Dictionary<string, NodeView> byId = new(StringComparer.Ordinal);

    public IReadOnlyList<NodeView> Nodes => nodes;

    public NodeView? Find(string nodeId) => byId.GetValueOrDefault(nodeId);

    /// <summary>How many nodes have a soft taint (<see cref="NodeTaints.SoftSuffix"/>): none, and nothing need be tried twice.</summary>
    public int SoftTainted { get; private set; }

    /// <summary>How many nodes have cards in more than one link group (<see cref="LinkDomainPolicy"/> asks twice only when some do).</summary>
    public int Grouped { get; private set; }

    /// <summary>
    /// Adds a node, or replaces it when <paramref name="node"/> is newer than the view held. Nodes are kept in
    /// order of their ids, not of arrival, so ties between equal scores go the same way however the nodes registered.
    /// </summary>
    public bool Upsert(NodeView node)
    {
        if (byId.TryGetValue(node.Id, out var existing))
        {
            if (existing.Version > node.Version)
            {
                return false;
            }

            if (existing.Matches(node))
            {
                // The node's account of what the view already held (a reservation the view had applied): the same
                // object stays, so policies keep what they cached of it.
                existing.Version = node.Version;
                return true;
            }

            node.Ordinal = existing.Ordinal;
            nodes[existing.Ordinal] = node;
            existing.Cluster = null;
            SoftTainted += (node.SoftTainted ? 1 : 0) - (existing.SoftTainted ? 1 : 0);
            Grouped += (node.Grouped ? 1 : 0) - (existing.Grouped ? 1 : 0);
            if (existing.HoldsSpread || node.HoldsSpread || !NodeLabels.Same(existing.Labels, node.Labels))
            {
                domains.Clear();
            }
        }
        else
        {
            var at = nodes.Count;
            if (at > 0 && string.CompareOrdinal(nodes[^1].Id, node.Id) > 0)
            {
                at = ~nodes.BinarySearch(node, IdOrder.Instance);
            }

            nodes.Insert(at, node);
            SoftTainted += node.SoftTainted ? 1 : 0;
            Grouped += node.Grouped ? 1 : 0;
            for (var i = at; i < nodes.Count; i++)
            {
                nodes[i].Ordinal = i;
            }

            if (node.HoldsSpread)
            {
                domains.Clear();
            }
        }

        node.Cluster = this;
        byId[node.Id] = node;
        return true;
    }

    /// <summary>
    /// Tasks of each spread group per value of a label, for the (tenant, group, key)s asked about: counted over the nodes
    /// once, then kept in step as placements are applied and given back, and dropped when a node holding a group is
    /// replaced (a policy asks per node, so a pass over the nodes per question would cost a pass per node).
    /// </summary>
    private readonly Dictionary<(string Tenant, string Group, string Key), Dictionary<string, int>> domains = [];

    /// <summary>The tenant's tasks of the group on the nodes whose label <paramref name="key"/> is <paramref name="value"/>.</summary>
    public int DomainCount(string tenant, string group, string key, string value)
    {
        if (!domains.TryGetValue((tenant, group, key), out var counts))
        {
            counts = new(StringComparer.Ordinal);
            foreach (var n in nodes)
            {
                if (n.SpreadCount(tenant, group) is > 0 and var held && n.Labels?.GetValueOrDefault(key) is { } v)
                {
                    counts[v] = counts.GetValueOrDefault(v) + held;
                }
            }

            domains[(tenant, group, key)] = counts;
        }

        return counts.GetValueOrDefault(value);
    }

    /// <summary>A node of the view counted <paramref name="delta"/> more (or fewer) of a group: its domains follow.</summary>
    internal void SpreadMoved(NodeView node, string tenant, string group, int delta)
    {
        if (domains.Count == 0 || node.Labels is null)
        {
            return;
        }

        foreach (var ((t, g, key), counts) in domains)
        {
            if (string.Equals(t, tenant, StringComparison.Ordinal) && string.Equals(g, group, StringComparison.Ordinal)
                && node.Labels.TryGetValue(key, out var value))
            {
                counts[value] = counts.GetValueOrDefault(value) + delta;
            }
        }
    }

    private sealed class IdOrder : IComparer<NodeView>
    {
        public static readonly IdOrder Instance = new();

        public int Compare(NodeView? x, NodeView? y) => string.CompareOrdinal(x!.Id, y!.Id);
    }

    /// <summary>Takes the request's resources out of the chosen node and cards.</summary>
    public static void Apply(PlacementChoice choice, PlacementRequest request) => Adjust(choice.Node, choice.GpuIndexes, request, -1);

    /// <summary>Gives back what <see cref="Apply"/> took.</summary>
    public static void Release(PlacementChoice choice, PlacementRequest request) => Adjust(choice.Node, choice.GpuIndexes, request, +1);

    /// <summary>As <see cref="Apply(PlacementChoice, PlacementRequest)"/>, without a choice object (a policy's trial placements).</summary>
    internal static void Apply(NodeView node, int[] gpuIndexes, PlacementRequest request) => Adjust(node, gpuIndexes, request, -1);

    /// <summary>As <see cref="Release(PlacementChoice, PlacementRequest)"/>, without a choice object.</summary>
    internal static void Release(NodeView node, int[] gpuIndexes, PlacementRequest request) => Adjust(node, gpuIndexes, request, +1);

    /// <summary>The slice a request takes on one card: compute, memory and whether the card is held whole.</summary>
    public static (int ComputeMilli, long MemoryMiB, bool Exclusive) SliceOn(GpuView gpu, PlacementRequest request) =>
        request.IsExclusive
            ? (1000, gpu.PhysicalMemory, true)
            : (request.ComputeMilli, Feasibility.MemoryNeed(gpu, request), false);

    private static void Adjust(NodeView node, int[] gpuIndexes, PlacementRequest request, int sign)
    {
        node.Revision++;
        node.Changes++;
        node.CpuFree += sign * request.CpuMilli;
        node.MemoryFree += sign * request.HostMemoryMiB;
        if (request.Spread is { } spread)
        {
            node.AddSpread(spread.Tenant, spread.Group, -sign);
        }

        foreach (var i in gpuIndexes)
        {
            var g = node.Gpus[i];
            var (compute, memory, exclusive) = SliceOn(g, request);
            g.ComputeFree += sign * compute;
            g.MemoryFree += sign * memory;
            g.Holders -= sign;
            g.PinnedMemory -= request.Swappable ? 0 : sign * memory;
            g.OnlineCompute -= request.Online ? sign * compute : 0;
            g.OnlineMemory -= request.Online ? sign * memory : 0;
            g.OnlineSwappableMemory -= request.Online && request.Swappable ? sign * memory : 0;
            if (exclusive)
            {
                g.Exclusive = sign < 0;
            }
        }
    }
}
