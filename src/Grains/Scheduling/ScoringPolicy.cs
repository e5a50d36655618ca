namespace Orion.Grains.Scheduling;

/// <summary>
/// Filter-then-score: every node that fits is scored with the cards the policy would pick there, and the
/// lowest score wins; equal scores go to the earlier node so results are reproducible.
/// </summary>
public abstract class ScoringPolicy : IPlacementPolicy
{
    public abstract string Name { get; }

    public virtual void Observe(PlacementRequest request)
    {
    }

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request)
    {
        NodeView? best = null;
        int[]? bestGpus = null;
        var bestScore = double.PositiveInfinity;
        foreach (var node in cluster.Nodes)
        {
            if (!Feasibility.HostFits(node, request) || !Feasibility.NodeAllows(node, request))
            {
                continue;
            }

            var gpus = request.GpuCount == 0 ? [] : PickGpus(node, request);
            if (gpus is null)
            {
                continue;
            }

            var score = Score(node, gpus, request);
            if (score < bestScore)
            {
                bestScore = score;
                best = node;
                bestGpus = gpus;
            }
        }

        return best is null ? null : new PlacementChoice(best, bestGpus!);
    }

    /// <summary>The cards the policy would take on a node whose host fits, or null when too few fit.</summary>
    protected virtual int[]? PickGpus(NodeView node, PlacementRequest request)
    {
        if (request.IsExclusive)
        {
            return FirstIdle(node, request);
        }

        var pick = -1;
        var pickKey = double.PositiveInfinity;
        for (var i = 0; i < node.Gpus.Length; i++)
        {
            var g = node.Gpus[i];
            if (!Feasibility.GpuFits(g, request))
            {
                continue;
            }

            var key = GpuKey(node, g, request);
            if (key < pickKey)
            {
                pickKey = key;
                pick = i;
            }
        }

        return pick < 0 ? null : [pick];
    }

    /// <summary>Ranks the fitting cards of a node for a one-card request; lowest wins.</summary>
    protected virtual double GpuKey(NodeView node, GpuView gpu, PlacementRequest request) => gpu.ComputeFree;

    /// <summary>Scores a node for the request with the chosen cards; lowest wins.</summary>
    protected abstract double Score(NodeView node, int[] gpus, PlacementRequest request);

    /// <summary>The first <c>GpuCount</c> idle cards of an allowed model, or null when too few.</summary>
    protected static int[]? FirstIdle(NodeView node, PlacementRequest request)
    {
        var picked = new int[request.GpuCount];
        var n = 0;
        for (var i = 0; i < node.Gpus.Length && n < picked.Length; i++)
        {
            if (Feasibility.GpuFits(node.Gpus[i], request))
            {
                picked[n++] = i;
            }
        }

        return n == picked.Length ? picked : null;
    }

    /// <summary>Share of the node left free after the placement, summed over CPU, memory and GPU (each 0..1).</summary>
    protected static double RemainingAfter(NodeView node, PlacementRequest request)
    {
        var gpuCap = node.Gpus.Length * 1000.0;
        var cpu = node.CpuCapacity == 0 ? 0 : (node.CpuFree - request.CpuMilli) / (double)node.CpuCapacity;
        var mem = node.MemoryCapacity == 0 ? 0 : (node.MemoryFree - request.HostMemoryMiB) / (double)node.MemoryCapacity;
        var gpu = gpuCap == 0 ? 0 : (node.GpuComputeFree - request.TotalGpuMilli) / gpuCap;
        return cpu + mem + gpu;
    }
}
