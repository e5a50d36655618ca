namespace Orion.Grains.Scheduling;

/// <summary>
/// How fragmentation-aware placement weighs a node: <see cref="Fgd"/> is the published rule (Weng et al.,
/// ATC'23); <see cref="Orion"/>, the product's, also counts the host's free CPU and memory and breaks ties by
/// best fit.
/// </summary>
public sealed record FragmentationScoring
{
    /// <summary>The published FGD rule: a shape's fragment is the free compute on cards it cannot use; first node on ties.</summary>
    public static FragmentationScoring Fgd { get; } = new();

    /// <summary>
    /// The product's rule: host-aware fragment net of leftover waste, poor fillers emphasised within a bound, cards priced by
    /// the demand bound to their model, best fit among equal costs.
    /// </summary>
    public static FragmentationScoring Orion { get; } = new()
    {
        HostAware = true, BestFitTieBreak = true, CountsLeftoverWaste = true, PoorFillEmphasis = 14, MaxSharingLift = 30, ModelScarcity = true,
    };

    /// <summary>
    /// Count a shape's usable GPU only as far as the node's free CPU and memory could still take tasks of it. GPU
    /// pools run short of host CPU as often as of cards; a card whose node has no CPU left is as lost as a crumb.
    /// </summary>
    public bool HostAware { get; init; }

    /// <summary>
    /// With <see cref="HostAware"/>: count a sharing shape's use of a card net of the expected waste of what it would
    /// leave there (<see cref="LeftoverWaste"/>). FGD calls a card usable by any shape it fits, so a 190-milli leftover
    /// that only rare small tasks can fill looks as good as none; on a trace where every GPU task shares a card,
    /// those crumbs are most of the idle GPU (measured in placement.md: +0.07 points where every GPU task shares a card,
    /// neutral within noise where fewer do).
    /// </summary>
    public bool CountsLeftoverWaste { get; init; }

    /// <summary>
    /// With <see cref="CountsLeftoverWaste"/>: a sharing shape's weight is its popularity times (1 / e)^k, k this value.
    /// e = 1 − W(C − s) / C is the share of a card a task of the shape fills on average when it starts the card
    /// (<see cref="LeftoverWaste"/>: the next task fits, or the rest is lost). The card states where a shape that starts
    /// cards badly fits without starting one are kept for it. 0 = popularity alone (FGD). Measured in placement.md: 12–16
    /// gains on both openb files and gains or holds on every variant tried; from about 20 the factors drown whole-card and
    /// CPU-only shapes and allocation falls, which <see cref="MaxSharingLift"/> bounds.
    /// </summary>
    public double PoorFillEmphasis { get; init; }

    /// <summary>
    /// A mix shape's weight in the cost: its popularity, times the <see cref="PoorFillEmphasis"/> factor when the shape
    /// shares a card and a leftover waste table is in use.
    /// </summary>
    public double Weight(WorkloadShape shape, double popularity, LeftoverWaste? waste) => Weight(shape, popularity, waste, PoorFillEmphasis);

    /// <summary>A mix shape's weight with a given emphasis (see <see cref="EffectiveEmphasis"/>).</summary>
    public static double Weight(WorkloadShape shape, double popularity, LeftoverWaste? waste, double emphasis)
    {
        if (waste is null || emphasis == 0 || !Shares(shape))
        {
            return popularity;
        }

        var fill = 1 - (waste[LeftoverWaste.CardMilli - shape.ComputeMilli] / (double)LeftoverWaste.CardMilli);
        return popularity * Math.Pow(1 / fill, emphasis);
    }

    /// <summary>
    /// With <see cref="PoorFillEmphasis"/>: the most the emphasised weight of a mix's sharing shapes may be, as a multiple
    /// of its whole-card shapes' popularity; a mix over it gets a lower emphasis (<see cref="EffectiveEmphasis"/>). 0 = no
    /// bound. Where sharing shapes outweigh whole-card ones far enough, every idle card looks free to start, whole-card
    /// tasks find none and allocation falls off a cliff (placement.md: on the openb variants the cliff came at 73–277 and
    /// nothing was lost up to 53); a mix without whole-card shapes has nothing to protect and is not bounded.
    /// </summary>
    public double MaxSharingLift { get; init; }

    /// <summary>
    /// Weigh a placement on a card model by the demand that can run only on some models (<see cref="Scheduling.ModelScarcity"/>):
    /// a task that may run anywhere goes where tasks bound to a model are least short of room.
    /// </summary>
    public bool ModelScarcity { get; init; }

    /// <summary>The emphasis the mix is weighed with: <see cref="PoorFillEmphasis"/>, lowered until <see cref="MaxSharingLift"/> holds.</summary>
    public double EffectiveEmphasis(WorkloadMix mix, LeftoverWaste? waste)
    {
        var k = PoorFillEmphasis;
        if (waste is null || k == 0 || MaxSharingLift <= 0)
        {
            return k;
        }

        var shapes = mix.ShapeArray;
        double whole = 0;
        foreach (var (shape, weight) in shapes)
        {
            whole += shape.GpuCount > 0 && !Shares(shape) ? weight : 0;
        }

        double Lift(double emphasis)
        {
            double sharing = 0;
            foreach (var (shape, weight) in shapes)
            {
                sharing += Shares(shape) ? Weight(shape, weight, waste, emphasis) : 0;
            }

            return sharing / whole;
        }

        if (whole <= 0 || Lift(k) <= MaxSharingLift)
        {
            return k;
        }

        // The lift grows with the emphasis (every factor is at least 1): bisect for where it meets the bound.
        double low = 0, high = k;
        for (var i = 0; i < 40; i++)
        {
            var mid = (low + high) / 2;
            (low, high) = Lift(mid) > MaxSharingLift ? (low, mid) : (mid, high);
        }

        return low;
    }

    /// <summary>The weights of the mix's shapes, in its order, with the <see cref="EffectiveEmphasis"/>.</summary>
    public double[] Weights(WorkloadMix mix, LeftoverWaste? waste)
    {
        var shapes = mix.ShapeArray;
        var k = EffectiveEmphasis(mix, waste);
        var weights = new double[shapes.Length];
        for (var i = 0; i < shapes.Length; i++)
        {
            weights[i] = Weight(shapes[i].Shape, shapes[i].Weight, waste, k);
        }

        return weights;
    }

    private static bool Shares(WorkloadShape shape) => shape.GpuCount == 1 && shape.ComputeMilli < LeftoverWaste.CardMilli;

    /// <summary>Among equal costs, take the node left fullest (CPU, memory and GPU shares), keeping empty nodes whole.</summary>
    public bool BestFitTieBreak { get; init; }

    /// <summary>A node's cost against the mix (with the mix's own leftover waste table); placement minimises its growth.</summary>
    public double Cost(NodeView node, WorkloadMix mix) => Cost(node, mix, CountsLeftoverWaste ? mix.Waste : null);

    /// <summary>A node's cost against the mix with a given leftover waste table (none when null).</summary>
    public double Cost(NodeView node, WorkloadMix mix, LeftoverWaste? waste)
    {
        if (!HostAware)
        {
            return FragmentationMeasure.Expected(node, mix);
        }

        var shapes = mix.ShapeArray;
        var weights = Weights(mix, waste);
        double sum = 0;
        for (var i = 0; i < shapes.Length; i++)
        {
            sum += weights[i] * FragmentationMeasure.HostAwareFragment(node, shapes[i].Shape.AsRequest, waste);
        }

        return sum;
    }

    /// <summary>
    /// One shape's fragment on the node, the integer term <see cref="Cost(NodeView, WorkloadMix, LeftoverWaste?)"/> weighs:
    /// it depends on the node's state and the leftover waste table, not on the mix's weights, so a policy can keep it
    /// across mixes while the table stands.
    /// </summary>
    internal long Fragment(NodeView node, PlacementRequest shape, LeftoverWaste? waste) =>
        HostAware ? FragmentationMeasure.HostAwareFragment(node, shape, waste) : FragmentationMeasure.Fragment(node, shape);

    /// <summary>Orders equal costs; lowest wins. Called with the placement applied to the node.</summary>
    public double TieBreak(NodeView node)
    {
        if (!BestFitTieBreak)
        {
            return 0;
        }

        var gpuCap = node.Gpus.Length * 1000.0;
        var cpu = node.CpuCapacity == 0 ? 0 : node.CpuFree / (double)node.CpuCapacity;
        var mem = node.MemoryCapacity == 0 ? 0 : node.MemoryFree / (double)node.MemoryCapacity;
        var gpu = gpuCap == 0 ? 0 : node.GpuComputeFree / gpuCap;
        return cpu + mem + gpu;
    }
}
