namespace Orion.Grains.Scheduling;

/// <summary>Best fit: the node left with the least free CPU, memory and GPU; on it, the tightest card.</summary>
public sealed class BestFitPolicy : ScoringPolicy
{
    public const string PolicyName = "best-fit";

    public override string Name => PolicyName;

    protected override double Score(NodeView node, int[] gpus, PlacementRequest request) => RemainingAfter(node, request);
}
