using System.Numerics;

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
        if (Settled(node, shape, out var free, out var settled))
        {
            return settled;
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

    /// <summary>
    /// Free GPU compute on the node that tasks of this shape could not use, counting how many of them the
    /// host's free CPU and memory could still take: each such task can use at most one card's free compute
    /// (slices, on the fullest usable cards), or its cards (whole-card tasks).
    /// </summary>
    public static long HostAwareFragment(NodeView node, PlacementRequest shape) => HostAwareFragment(node, shape, null);

    /// <summary>
    /// <see cref="HostAwareFragment(NodeView, PlacementRequest)"/>, a sharing shape's use of a card counted net of the
    /// expected waste of what it leaves there (<paramref name="waste"/>; none when null).
    /// </summary>
    public static long HostAwareFragment(NodeView node, PlacementRequest shape, LeftoverWaste? waste)
    {
        if (Settled(node, shape, out var free, out var settled))
        {
            return settled;
        }

        // How many more tasks of the shape the host could take: the CPU and memory cap on GPU use.
        var hostTasks = HostTasks(node, shape);

        if (shape.IsExclusive)
        {
            long idle = 0;
            foreach (var g in node.Gpus)
            {
                if (Feasibility.GpuFits(g, shape))
                {
                    idle++;
                }
            }

            return free - (Math.Min(idle / shape.GpuCount, hostTasks) * shape.GpuCount * 1000);
        }

        // Card by card as FGD does, but only as many cards as the host has tasks' worth of CPU and memory for.
        Span<int> usable = stackalloc int[node.Gpus.Length];
        var n = 0;
        foreach (var g in node.Gpus)
        {
            if (Feasibility.GpuFits(g, shape))
            {
                usable[n++] = g.UsableCompute;
            }
        }

        return free - UsedByHostTasks(usable[..n], hostTasks, shape.ComputeMilli, waste);
    }

    /// <summary>Which cards of the node fit the shape, one bit per card; for nodes of fewer than 64 cards.</summary>
    internal static ulong FitMask(NodeView node, PlacementRequest shape)
    {
        ulong mask = 0;
        var gpus = node.Gpus;
        for (var i = 0; i < gpus.Length; i++)
        {
            if (Feasibility.GpuFits(gpus[i], shape))
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    /// <summary>
    /// <see cref="HostAwareFragment(NodeView, PlacementRequest)"/> given which cards fit the shape (<see cref="FitMask"/>
    /// of the node as it is) and the node's free compute (<see cref="NodeView.GpuComputeFree"/>), so a caller scoring many
    /// shapes on one state, or knowing the fit of most cards from an earlier state, need not go over every card again.
    /// </summary>
    internal static long HostAwareFragment(NodeView node, PlacementRequest shape, ulong fits, long free, LeftoverWaste? waste)
    {
        // As Settled, with the free compute given.
        if (free == 0)
        {
            return 0;
        }

        if (!Feasibility.HostFits(node, shape))
        {
            return free;
        }

        if (shape.GpuCount == 0)
        {
            return 0;
        }

        var hostTasks = HostTasks(node, shape);

        if (shape.IsExclusive)
        {
            long idle = BitOperations.PopCount(fits);
            return free - (Math.Min(idle / shape.GpuCount, hostTasks) * shape.GpuCount * 1000);
        }

        Span<int> usable = stackalloc int[node.Gpus.Length];
        var n = 0;
        for (var i = 0; i < node.Gpus.Length; i++)
        {
            if ((fits & (1UL << i)) != 0)
            {
                usable[n++] = node.Gpus[i].UsableCompute;
            }
        }

        return free - UsedByHostTasks(usable[..n], hostTasks, shape.ComputeMilli, waste);
    }

    /// <summary>How many more tasks of the shape the node's free CPU and memory could take.</summary>
    private static long HostTasks(NodeView node, PlacementRequest shape)
    {
        var tasks = long.MaxValue;
        if (shape.CpuMilli > 0)
        {
            tasks = node.CpuFree / shape.CpuMilli;
        }

        if (shape.HostMemoryMiB > 0)
        {
            tasks = Math.Min(tasks, node.MemoryFree / shape.HostMemoryMiB);
        }

        return tasks;
    }

    /// <summary>
    /// The compute the host's tasks' worth of the usable cards can take: the fullest usable cards, one task each, each
    /// less the expected waste of what the task would leave on it.
    /// </summary>
    private static long UsedByHostTasks(Span<int> fitting, long hostTasks, int milli, LeftoverWaste? waste)
    {
        if (hostTasks < fitting.Length)
        {
            fitting.Sort();
            fitting = fitting[(fitting.Length - (int)hostTasks)..];
        }

        long used = 0;
        foreach (var u in fitting)
        {
            used += waste is null ? u : u - waste[u - milli];
        }

        return used;
    }

    /// <summary>
    /// The node's free compute, and the fragment when the shape settles it without looking at cards: nothing
    /// free, a shape the host cannot take at all (it strands every free card), or a shape with no GPU.
    /// </summary>
    private static bool Settled(NodeView node, PlacementRequest shape, out long free, out long fragment)
    {
        free = node.GpuComputeFree;
        if (free == 0)
        {
            fragment = 0;
            return true;
        }

        if (!Feasibility.HostFits(node, shape))
        {
            fragment = free;
            return true;
        }

        fragment = 0;
        return shape.GpuCount == 0;
    }
}
