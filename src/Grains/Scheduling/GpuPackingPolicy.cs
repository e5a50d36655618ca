namespace Orion.Grains.Scheduling;

/// <summary>
/// GPU packing: a one-card request goes first to a card already in use, then to a node that already has
/// busy cards, then to an idle node; multi-card requests go where the fewest idle cards are left over.
/// </summary>
public sealed class GpuPackingPolicy : ScoringPolicy
{
    public const string PolicyName = "gpu-packing";

    public override string Name => PolicyName;

    // Tiers are far apart so a better tier always wins; inside a tier, tighter wins.
    protected override double Score(NodeView node, int[] gpus, PlacementRequest request)
    {
        if (request.GpuCount == 0)
        {
            return RemainingAfter(node, request);
        }

        var idle = node.IdleGpuCount;
        if (request.IsExclusive)
        {
            return ((idle - request.GpuCount) * 10.0) + RemainingAfter(node, request);
        }

        var card = node.Gpus[gpus[0]];
        var tier = !card.IsIdle ? 0 : idle < node.Gpus.Length ? 1 : 2;
        return (tier * 1e6) + card.ComputeFree + RemainingAfter(node, request);
    }
}
