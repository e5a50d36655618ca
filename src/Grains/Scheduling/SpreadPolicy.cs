namespace Orion.Grains.Scheduling;

/// <summary>Spread (least allocated): the node left with the most free resources; on it, the emptiest card. Keeps load even, fragments most.</summary>
public sealed class SpreadPolicy : ScoringPolicy
{
    public const string PolicyName = "spread";

    public override string Name => PolicyName;

    protected override double GpuKey(NodeView node, GpuView gpu, PlacementRequest request) => -gpu.ComputeFree;

    protected override double Score(NodeView node, int[] gpus, PlacementRequest request) => -RemainingAfter(node, request);
}
