namespace Orion.Grains.Scheduling;

/// <summary>
/// Fragmentation-aware placement (the FGD idea): place where the node's expected fragmentation against
/// the task mix grows least, and for a one-card request pick the card that grows it least. The mix is
/// fixed (benchmarks) or learned from the recent requests this policy observed (the product).
/// </summary>
public sealed class FragmentationAwarePolicy : ScoringPolicy
{
    public const string PolicyName = "fragmentation";

    private readonly WorkloadMix? fixedMix;
    private readonly int window;
    private readonly Queue<WorkloadShape> recent = new();
    private readonly Dictionary<WorkloadShape, long> counts = [];
    private WorkloadMix? learned;
    private int observedSinceRebuild;

    /// <summary>A policy that learns the mix from the last <paramref name="window"/> requests it observed.</summary>
    public FragmentationAwarePolicy(int window = 2000)
    {
        this.window = window;
    }

    /// <summary>A policy measured against a fixed mix.</summary>
    public FragmentationAwarePolicy(WorkloadMix mix)
    {
        fixedMix = mix;
        window = 0;
    }

    public override string Name => PolicyName;

    public WorkloadMix Mix => fixedMix ?? (learned ??= WorkloadMix.FromCounts(counts.Select(kv => (kv.Key, kv.Value))));

    public override void Observe(PlacementRequest request)
    {
        if (fixedMix is not null)
        {
            return;
        }

        var shape = WorkloadShape.Of(request);
        recent.Enqueue(shape);
        counts[shape] = counts.GetValueOrDefault(shape) + 1;
        if (recent.Count > window)
        {
            var old = recent.Dequeue();
            if (--counts[old] == 0)
            {
                counts.Remove(old);
            }
        }

        // Rebuilding the mix on every request would cost more than it tells; early on, rebuild often.
        if (learned is null || ++observedSinceRebuild >= Math.Min(64, recent.Count))
        {
            learned = null;
            observedSinceRebuild = 0;
        }
    }

    protected override int[]? PickGpus(NodeView node, PlacementRequest request)
    {
        if (request.IsExclusive)
        {
            return FirstIdle(node, request);
        }

        var mix = Mix;
        var pick = -1;
        var pickDelta = double.PositiveInfinity;
        var pickFree = int.MaxValue;
        for (var i = 0; i < node.Gpus.Length; i++)
        {
            var g = node.Gpus[i];
            if (!Feasibility.GpuFits(g, request))
            {
                continue;
            }

            var delta = Delta(node, [i], request, mix);
            if (delta < pickDelta - 1e-9 || (Math.Abs(delta - pickDelta) <= 1e-9 && g.ComputeFree < pickFree))
            {
                pick = i;
                pickDelta = delta;
                pickFree = g.ComputeFree;
            }
        }

        return pick < 0 ? null : [pick];
    }

    protected override double Score(NodeView node, int[] gpus, PlacementRequest request) =>
        Delta(node, gpus, request, Mix) + (1e-6 * RemainingAfter(node, request));

    private static double Delta(NodeView node, int[] gpus, PlacementRequest request, WorkloadMix mix)
    {
        var before = FragmentationMeasure.Expected(node, mix);
        var choice = new PlacementChoice(node, gpus);
        ClusterView.Apply(choice, request);
        var after = FragmentationMeasure.Expected(node, mix);
        ClusterView.Release(choice, request);
        return after - before;
    }
}
