namespace Orion.Grains.Scheduling;

/// <summary>
/// A node's GPU fragmentation against a task mix (the FGD measure, Weng et al., ATC'23): for each typical
/// shape, the free GPU compute on the node that a task of that shape could not use; weighted by the
/// shape's popularity. Free compute is in thousandths of a card.
/// </summary>
public static class FragmentationMeasure
{
    /// <summary>Expected fragment of the node over the mix.</summary>
    public static double Expected(NodeView node, WorkloadMix mix)
    {
        double sum = 0;
        foreach (var (shape, weight) in mix.Shapes)
        {
            sum += weight * Fragment(node, shape.AsRequest);
        }

        return sum;
    }

    /// <summary>Free GPU compute on the node that a task of this shape could not use.</summary>
    public static long Fragment(NodeView node, PlacementRequest shape)
    {
        long free = 0;
        foreach (var g in node.Gpus)
        {
            free += g.UsableCompute;
        }

        if (free == 0)
        {
            return 0;
        }

        // A shape the node cannot host at all (host resources, data centre) strands every free card.
        if (!Feasibility.HostFits(node, shape))
        {
            return free;
        }

        if (shape.GpuCount == 0)
        {
            return 0;
        }

        if (shape.IsExclusive)
        {
            var idle = 0;
            long stranded = 0;
            foreach (var g in node.Gpus)
            {
                if (Feasibility.GpuFits(g, shape))
                {
                    idle++;
                }
                else
                {
                    stranded += g.UsableCompute;
                }
            }

            return idle >= shape.GpuCount ? stranded : free;
        }

        long unusable = 0;
        foreach (var g in node.Gpus)
        {
            if (!Feasibility.GpuFits(g, shape))
            {
                unusable += g.UsableCompute;
            }
        }

        return unusable;
    }
}
