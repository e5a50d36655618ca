namespace Orion.Grains.Scheduling;

/// <summary>
/// Dot product (Tetris-style alignment): the node whose free CPU, memory and GPU vector best matches the
/// request's, each normalised by the node's capacity.
/// </summary>
public sealed class DotProductPolicy : ScoringPolicy
{
    public const string PolicyName = "dot-product";

    public override string Name => PolicyName;

    protected override double Score(NodeView node, int[] gpus, PlacementRequest request)
    {
        var gpuCap = Math.Max(1, node.Gpus.Length) * 1000.0;
        var dot =
            (request.CpuMilli / (double)Math.Max(1, node.CpuCapacity) * node.CpuFree / Math.Max(1, node.CpuCapacity))
            + (request.HostMemoryMiB / (double)Math.Max(1, node.MemoryCapacity) * node.MemoryFree / Math.Max(1, node.MemoryCapacity))
            + (request.TotalGpuMilli / gpuCap * node.GpuComputeFree / gpuCap);
        return -dot;
    }
}
