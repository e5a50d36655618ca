using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.Trace;

/// <summary>
/// The trace protocol's fragmentation rate: over all nodes, the idle GPU the typical mix could not use there
/// (weighted by popularity) ÷ all idle GPU. As in FGD's measure, a CPU-only pod can use no GPU at all.
/// </summary>
public static class FragmentationRate
{
    public static double Of(ClusterView cluster, WorkloadMix mix)
    {
        double fragment = 0;
        long idle = 0;
        foreach (var node in cluster.Nodes)
        {
            var free = node.GpuComputeFree;
            idle += free;
            foreach (var (shape, weight) in mix.Shapes)
            {
                fragment += weight * (shape.GpuCount == 0 ? free : FragmentationMeasure.Fragment(node, shape.AsRequest));
            }
        }

        return idle == 0 ? 0 : 100.0 * fragment / idle;
    }
}
