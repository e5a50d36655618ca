namespace Orion.Grains.Scheduling;

/// <summary>
/// Keeps a queued task of several cards from waiting for ever: the queue is work-conserving, so smaller tasks take every
/// card that frees, and a four-card training job may never see four free at once. Once it has waited past a limit, one
/// node is held for it: nothing else is placed there, so the node empties as its tasks end until the held task fits (as
/// Slurm's backfill reserves room for its top job); for a gang, as many nodes as its members need together. Pure.
/// </summary>
public static class StarvationGuard
{
    /// <summary>
    /// The node to hold for <paramref name="request"/>: of the schedulable nodes it would fit once empty, the one closest
    /// to taking it now (most cards that could take it, then most free compute), passing over those <paramref name="skip"/>
    /// says; null when no node could ever take it.
    /// </summary>
    public static NodeView? NodeToHold(ClusterView view, PlacementRequest request, Func<NodeView, bool>? skip = null)
    {
        NodeView? best = null;
        var bestScore = (Cards: -1, Compute: -1L);
        foreach (var node in view.Nodes)
        {
            if (!node.Schedulable || !CouldEverFit(node, request) || skip?.Invoke(node) == true)
            {
                continue;
            }

            var score = (Feasibility.FittingGpuCount(node, request), node.GpuComputeFree);
            if (score.CompareTo(bestScore) > 0)
            {
                (best, bestScore) = (node, score);
            }
        }

        return best;
    }

    /// <summary>
    /// The nodes to hold for a gang: enough that, once everything else on them has ended, all its members fit on them
    /// together (largest member first, each on a node already chosen if that node, emptied, still has room beside the
    /// members given to it, else on the new node closest to taking it, as for one task: greedy, so not always the fewest
    /// nodes); null when some member could never fit.
    /// </summary>
    public static IReadOnlyList<NodeView>? NodesToHold(ClusterView view, IReadOnlyList<PlacementRequest> members)
    {
        var chosen = new List<EmptiedNode>();
        foreach (var request in members.OrderByDescending(r => r.GpuCount).ThenByDescending(r => r.TotalGpuMilli))
        {
            if (chosen.Find(n => n.Take(request)) is not null)
            {
                continue;
            }

            var next = NodeToHold(view, request, skip: n => chosen.Exists(c => c.Node == n)) is { } node ? new EmptiedNode(node) : null;
            if (next is null || !next.Take(request))
            {
                return null;
            }

            chosen.Add(next);
        }

        return [.. chosen.Select(c => c.Node)];
    }

    /// <summary>Whether <paramref name="request"/> fits <paramref name="node"/> once everything on it has ended.</summary>
    public static bool CouldEverFit(NodeView node, PlacementRequest request)
    {
        if (!Feasibility.KindAndPlaceFit(node, request) || !Feasibility.LabelsAdmit(node, request) || node.CpuCapacity < request.CpuMilli || node.MemoryCapacity < request.HostMemoryMiB)
        {
            return false;
        }

        var compute = request.IsExclusive ? 1000 : request.ComputeMilli;
        var cards = 0;
        foreach (var g in node.Gpus)
        {
            cards += request.AllowsModel(g.Model) && g.ComputeCapacity >= compute && g.MemoryCapacity >= Feasibility.MemoryNeed(g, request) ? 1 : 0;
        }

        return cards >= request.GpuCount;
    }

    /// <summary>Closes <paramref name="node"/> to placements until the returned scope ends (it must be schedulable now).</summary>
    public static IDisposable Close(NodeView node) => Close([node]);

    /// <summary>Closes those of <paramref name="nodes"/> that are schedulable now to placements until the returned scope ends.</summary>
    public static IDisposable Close(IEnumerable<NodeView> nodes)
    {
        var closed = new List<NodeView>();
        foreach (var node in nodes)
        {
            if (node.Schedulable)
            {
                Flip(node, false);
                closed.Add(node);
            }
        }

        return new Reopen(closed);
    }

    // Policies cache what they scored per node revision: the flip is a change to them.
    private static void Flip(NodeView node, bool schedulable)
    {
        node.Schedulable = schedulable;
        node.Revision++;
        node.Changes++;
    }

    /// <summary>A node as it will be once everything on it has ended, less the gang's members given to it so far.</summary>
    private sealed class EmptiedNode(NodeView node)
    {
        private readonly int[] compute = [.. node.Gpus.Select(g => g.ComputeCapacity)];
        private readonly long[] memory = [.. node.Gpus.Select(g => g.MemoryCapacity)];
        private readonly bool[] whole = new bool[node.Gpus.Length];
        private long cpu = node.CpuCapacity;
        private long hostMemory = node.MemoryCapacity;
        private readonly Dictionary<SpreadRule, int> spread = [];

        public NodeView Node => node;

        // A node held for a gang counts its members per node; a topology key's domains are checked when they are placed.
        private bool InSomeDomain(SpreadRule rule) => rule.TopologyKey is not { } key || node.Labels?.ContainsKey(key) == true;

        /// <summary>Gives <paramref name="request"/> room here if it fits beside what was given before; false (and nothing given) if not.</summary>
        public bool Take(PlacementRequest request)
        {
            if (!Feasibility.KindAndPlaceFit(node, request) || !Feasibility.LabelsAdmit(node, request) || cpu < request.CpuMilli || hostMemory < request.HostMemoryMiB
                || (request.Spread is { Preferred: false } rule && (spread.GetValueOrDefault(rule) >= rule.MaxPerDomain || !InSomeDomain(rule))))
            {
                return false;
            }

            var cards = new List<int>();
            for (var i = 0; i < node.Gpus.Length && cards.Count < request.GpuCount; i++)
            {
                var g = node.Gpus[i];
                var fits = request.IsExclusive
                    ? compute[i] == g.ComputeCapacity && memory[i] == g.MemoryCapacity
                    : !whole[i] && compute[i] >= request.ComputeMilli && memory[i] >= Feasibility.MemoryNeed(g, request);
                if (request.AllowsModel(g.Model) && fits)
                {
                    cards.Add(i);
                }
            }

            if (cards.Count < request.GpuCount)
            {
                return false;
            }

            cpu -= request.CpuMilli;
            hostMemory -= request.HostMemoryMiB;
            if (request.Spread is { } given)
            {
                spread[given] = spread.GetValueOrDefault(given) + 1;
            }

            foreach (var i in cards)
            {
                whole[i] = request.IsExclusive;
                compute[i] -= request.IsExclusive ? compute[i] : request.ComputeMilli;
                memory[i] -= request.IsExclusive ? memory[i] : Feasibility.MemoryNeed(node.Gpus[i], request);
            }

            return true;
        }
    }

    private sealed class Reopen(List<NodeView> nodes) : IDisposable
    {
        public void Dispose() => nodes.ForEach(n => Flip(n, true));
    }
}
