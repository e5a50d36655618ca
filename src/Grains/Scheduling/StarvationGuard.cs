namespace Orion.Grains.Scheduling;

/// <summary>
/// Keeps a queued task of several cards from waiting for ever: the queue is work-conserving, so smaller tasks take every
/// card that frees, and a four-card training job may never see four free at once. Once it has waited past a limit, one
/// node is held for it: nothing else is placed there, so the node empties as its tasks end until the held task fits (as
/// Slurm's backfill reserves room for its top job). Pure.
/// </summary>
public static class StarvationGuard
{
    /// <summary>
    /// The node to hold for <paramref name="request"/>: of the schedulable nodes it would fit once empty, the one closest
    /// to taking it now (most cards that could take it, then most free compute); null when no node could ever take it.
    /// </summary>
    public static NodeView? NodeToHold(ClusterView view, PlacementRequest request)
    {
        NodeView? best = null;
        var bestScore = (Cards: -1, Compute: -1L);
        foreach (var node in view.Nodes)
        {
            if (!node.Schedulable || !CouldEverFit(node, request))
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

    /// <summary>Whether <paramref name="request"/> fits <paramref name="node"/> once everything on it has ended.</summary>
    public static bool CouldEverFit(NodeView node, PlacementRequest request)
    {
        if (!Feasibility.KindAndPlaceFit(node, request) || node.CpuCapacity < request.CpuMilli || node.MemoryCapacity < request.HostMemoryMiB)
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
    public static IDisposable Close(NodeView node)
    {
        Flip(node, false);
        return new Reopen(node);
    }

    // Policies cache what they scored per node revision: the flip is a change to them.
    private static void Flip(NodeView node, bool schedulable)
    {
        node.Schedulable = schedulable;
        node.Revision++;
        node.Changes++;
    }

    private sealed class Reopen(NodeView node) : IDisposable
    {
        public void Dispose() => Flip(node, true);
    }
}
