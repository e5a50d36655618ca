using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Fragmentation-aware placement (the FGD idea, Weng et al., ATC'23): place where the node's expected
/// fragmentation against the task mix grows least, and for a one-card request pick the card that grows it
/// least. The mix is fixed (benchmarks) or learned from the recent requests this policy observed (the product).
/// </summary>
public sealed class FragmentationAwarePolicy : IPlacementPolicy
{
    public const string PolicyName = "fragmentation";

    private readonly WorkloadMix? fixedMix;
    private readonly int window;
    private readonly Queue<WorkloadShape> recent = new();
    private readonly Dictionary<WorkloadShape, long> counts = [];
    private readonly Dictionary<(WorkloadShape Shape, bool Online, bool AvoidOnline, Residency Residency, bool Swappable, string? DataCenter, bool? RunsProcess), int> shapeIds = [];

    // Mix shapes by a stable id, assigned as they first appear in any mix: fragments cached under it outlive the mix.
    private readonly Dictionary<WorkloadShape, int> fragmentIds = [];
    private readonly List<PlacementRequest> fragmentShapes = [];

    // By node ordinal: the view and revision last seen and the id of its state then.
    private Seen[] seen = [];

    // By state id: its epoch (bumped when the id is given to a new state) and what is known of it. Nodes in one state
    // share it all, since everything cached depends on the node's state alone.
    private readonly NodeStateClasses states = new();
    private int[] epochs = [];
    private NodeMemo?[] memos = [];

    // Cached outcomes by request shape, then state id.
    private Slot[]?[] slotsByShape = [];
    private WorkloadMix? learned;
    private int mixVersion;
    private int observedSinceRebuild;
    private PlacementRequest? lastRequest;
    private int lastShapeId;

    // The leftover waste table in use, the mix it was built from and the last mix compared with that one.
    private WorkloadMix? wasteMix;
    private WorkloadMix? wasteChecked;

    // The mix in use as stable ids and weights, in its order.
    private WorkloadMix? preparedMix;
    private readonly ModelScarcity scarcity = new();
    private int[] mixIds = [];
    private double[] mixWeights = [];

    /// <summary>A policy that learns the mix from the last <paramref name="window"/> requests it observed.</summary>
    public FragmentationAwarePolicy(int window = 2000, FragmentationScoring? scoring = null)
    {
        this.window = window;
        Scoring = scoring ?? FragmentationScoring.Orion;
    }

    /// <summary>A policy measured against a fixed mix.</summary>
    public FragmentationAwarePolicy(WorkloadMix mix, FragmentationScoring? scoring = null)
    {
        fixedMix = mix;
        window = 0;
        Scoring = scoring ?? FragmentationScoring.Orion;
    }

    public string Name => PolicyName;

    /// <summary>How candidates are weighed: the plain FGD rule or Orion's refinements of it.</summary>
    public FragmentationScoring Scoring { get; }

    public WorkloadMix Mix => fixedMix ?? (learned ??= BuildLearned());

    /// <summary>
    /// How far (total variation) a re-learned mix must have moved from the one in use before it replaces it. Adopting
    /// a mix drops every cached outcome (the per-shape fragments stay, so rescoring is weighted sums, plus fragments of
    /// shapes new to the mix); a window of a few thousand requests moves by a few percent from sampling noise alone.
    /// </summary>
    public double MixTolerance { get; init; } = 0.02;

    /// <summary>
    /// How far (total variation, <see cref="LeftoverWaste.DistanceTo"/>) the learned per-card compute demand must have moved
    /// from the one the leftover waste table was built from before the table is rebuilt. Every fragment depends on the
    /// table, so a new one means every node scored again from its cards; the table is an expectation over the whole
    /// demand, which a small move barely changes.
    /// </summary>
    public double WasteTolerance { get; init; } = 0.1;

    /// <summary>
    /// Arrivals observed before a learned mix gets a leftover waste table (and with it the poor-fill emphasis), or the
    /// whole window if that is shorter. The table is rebuilt as the mix moves (<see cref="WasteTolerance"/>), so an early,
    /// rough one costs a few rebuilds; waiting for a full window left its first 2,000 placements scored without it, and
    /// they set the pool's shape for the rest (placement.md: +0.1 to +0.3 points on most openb files at 100 against 2,000).
    /// </summary>
    public int WasteAfter { get; init; } = 100;

    /// <summary>
    /// The leftover waste table in use (<see cref="FragmentationScoring.CountsLeftoverWaste"/>): the fixed mix's, or the
    /// learned mix's once <see cref="WasteAfter"/> arrivals were observed; null before then and when the scoring does not
    /// count it.
    /// </summary>
    public LeftoverWaste? Waste { get; private set; }

    /// <summary>How many times the leftover waste table was replaced (each drops every cached fragment).</summary>
    public int WasteRebuilds { get; private set; }

    /// <summary>How many times the learned mix was replaced (each drops the cached outcomes).</summary>
    public int MixRebuilds => mixVersion;

    public void Observe(PlacementRequest request)
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

        // Look again often while the window fills, then every eighth of a window, which is as fast as a mix of that
        // many requests can really change; adopt only a mix that really moved, since adopting drops every cached outcome.
        var every = Math.Clamp(recent.Count / 8, 1, Math.Max(1, window / 8));
        if (learned is not null && ++observedSinceRebuild >= every)
        {
            observedSinceRebuild = 0;
            var candidate = WorkloadMix.FromCounts(counts.Select(kv => (kv.Key, kv.Value)));
            if (candidate.DistanceTo(learned) > MixTolerance)
            {
                learned = candidate;
                mixVersion++;
            }
        }
    }

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request)
    {
        var mix = Mix;
        UpdateWaste(mix);
        var shape = ShapeId(request);
        NodeView? best = null;
        int[]? bestGpus = null;
        var bestScore = double.PositiveInfinity;
        var bestTie = double.PositiveInfinity;
        var nodes = cluster.Nodes is List<NodeView> list ? CollectionsMarshal.AsSpan(list) : [.. cluster.Nodes];
        // A state id per node at most (and one more while a node moves): sized once, not doubled shape by shape.
        GrowStates(nodes.Length + 1);
        var slots = Slots(shape);
        var version = fixedMix is null ? mixVersion : 0;

        // Measured for each choice (a pass over the nodes, summing again only those that changed), only when the mix holds
        // tasks bound to models.
        var scarce = Scoring.ModelScarcity && request.GpuCount > 0 && scarcity.Measure(mix, nodes);
        for (var k = 0; k < nodes.Length; k++)
        {
            var node = nodes[k];
            if (!Feasibility.NodeAllows(node, request))
            {
                continue;
            }

            // Most nodes are as last seen with their outcome still cached: read here, without a call; the rest in Evaluate.
            var (gpus, delta, tie) = Cached(node, slots, version, out var outcome) ? outcome : Evaluate(node, request, shape, mix, ref slots);

            if (gpus is null)
            {
                continue;
            }

            if (scarce)
            {
                delta += scarcity.Cost(node, gpus, request.ComputeMilli);
            }

            // Deltas are sums of weighted milli; below a thousandth of a milli they are equal.
            if (delta < bestScore - 1e-3 || (delta <= bestScore + 1e-3 && tie < bestTie))
            {
                best = node;
                bestGpus = gpus;
                bestScore = delta;
                bestTie = tie;
            }
        }

        return best is null ? null : new PlacementChoice(best, bestGpus!);
    }

    /// <summary>The node's cached outcome when the node is as last seen and the outcome is still valid for its state and the mix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Cached(NodeView node, Slot[] slots, int version, out Outcome outcome)
    {
        var ordinal = node.Ordinal;
        if ((uint)ordinal < (uint)seen.Length)
        {
            ref readonly var last = ref seen[ordinal];
            if (ReferenceEquals(last.Node, node) && last.Revision == node.Revision && (uint)last.State < (uint)slots.Length)
            {
                ref readonly var slot = ref slots[last.State];
                if (slot.Stamp == epochs[last.State] && (slot.Mix == version || slot.Mix == AnyMix))
                {
                    outcome = slot.Outcome;
                    return true;
                }
            }
        }

        outcome = default;
        return false;
    }

    /// <summary>Builds the leftover waste table once the mix is known, and again when the mix has moved far from its mix.</summary>
    private void UpdateWaste(WorkloadMix mix)
    {
        if (!Scoring.CountsLeftoverWaste || ReferenceEquals(mix, wasteMix) || ReferenceEquals(mix, wasteChecked)
            || (fixedMix is null && recent.Count < Math.Min(window, WasteAfter)))
        {
            return;
        }

        wasteChecked = mix;
        var candidate = mix.Waste;
        if (Waste is not null && candidate.DistanceTo(Waste) <= WasteTolerance)
        {
            return;
        }

        wasteMix = mix;
        Waste = candidate;
        WasteRebuilds++;

        // The weights depend on the table too (PoorFillEmphasis).
        preparedMix = null;

        // Every fragment depends on the table: a new epoch for every node drops all that is cached of it.
        for (var i = 0; i < epochs.Length; i++)
        {
            epochs[i]++;
        }
    }

    private WorkloadMix BuildLearned()
    {
        mixVersion++;
        return WorkloadMix.FromCounts(counts.Select(kv => (kv.Key, kv.Value)));
    }

    /// <summary>A small number per request shape, so per-node caches are arrays, not dictionaries keyed by records.</summary>
    private int ShapeId(PlacementRequest request)
    {
        // The scheduler asks for the same request object again while it retries; one hash per request, not per node.
        if (ReferenceEquals(request, lastRequest))
        {
            return lastShapeId;
        }

        // The shape is what the mix sees; the rest of the request also decides where it fits, so it keys the caches too.
        var shape = (WorkloadShape.Of(request), request.Online, request.AvoidOnlineCards, request.Residency, request.Swappable, request.DataCenter, request.RunsProcess);
        if (!shapeIds.TryGetValue(shape, out var id))
        {
            id = shapeIds.Count;
            shapeIds[shape] = id;
        }

        lastRequest = request;
        lastShapeId = id;
        return id;
    }

    /// <summary>
    /// The cards this policy would take on a node and what that costs. The outcome is cached until the node or the mix
    /// changes; beneath it, each mix shape's fragment before and after each candidate placement is cached until the node
    /// changes, since it does not depend on the weights: a new mix then costs weighted sums, not placements tried again.
    /// </summary>
    private Outcome Evaluate(NodeView node, PlacementRequest request, int shape, WorkloadMix mix, ref Slot[] slots)
    {
        // A view's ordinals are below its node count, but a node view shared with another cluster view may carry that one's.
        var ordinal = node.Ordinal;
        if (ordinal >= seen.Length)
        {
            Array.Resize(ref seen, Math.Max(ordinal + 1, seen.Length * 2));
        }

        // A node that changed (or another view in its place) is looked up by its state again: entered first, then the
        // old state left, so a node back in the state it was in keeps what was cached of it.
        ref var last = ref seen[ordinal];
        if (!ReferenceEquals(last.Node, node) || last.Revision != node.Revision)
        {
            var id = states.Enter(node, out var fresh);
            if (last.Node is not null)
            {
                states.Leave(last.State);
            }

            last = new Seen(node, node.Revision, id);
            if (fresh)
            {
                // A new epoch for the id invalidates every cached outcome of the state it held before at once.
                GrowStates(id + 1);
                epochs[id]++;
            }
        }

        var state = last.State;
        if (state >= slots.Length)
        {
            slots = Slots(shape);
        }

        var epoch = epochs[state];
        var version = fixedMix is null ? mixVersion : 0;
        ref var slot = ref slots[state];
        if (slot.Stamp == epoch && (slot.Mix == version || slot.Mix == AnyMix))
        {
            return slot.Outcome;
        }

        // The host filter depends on the state and the request shape alone, so its answer is cached with the rest.
        if (!Feasibility.HostFits(node, request))
        {
            slot = new Slot(Nowhere, epoch, AnyMix);
            return Nowhere;
        }

        var memo = memos[state] ??= new NodeMemo();
        memo.Validate(epoch, shapeIds.Count);
        var candidates = memo.Candidates(shape);
        if (!candidates.Listed)
        {
            ListCandidates(node, request, candidates);
        }

        // No candidate, whatever the mix: neither the node's fragments nor a new mix need be weighed.
        if (candidates.Count == 0)
        {
            slot = new Slot(Nowhere, epoch, AnyMix);
            return Nowhere;
        }

        PrepareMix(mix);
        var ids = mixIds;
        if (memo.BeforeMix != version)
        {
            var before = memo.BeforeFragments(fragmentShapes.Count);
            var masks = Incremental(node) ? memo.FitMasks(fragmentShapes.Count) : null;
            var free = masks is null ? 0 : node.GpuComputeFree;
            for (var i = 0; i < ids.Length; i++)
            {
                var id = ids[i];
                if (before[id] != NodeMemo.Unknown)
                {
                    continue;
                }

                // The cards' fit is kept: the candidates' fragments start from it.
                if (masks is not null)
                {
                    masks[id] = FragmentationMeasure.FitMask(node, fragmentShapes[id]);
                    before[id] = checked((int)FragmentationMeasure.HostAwareFragment(node, fragmentShapes[id], masks[id], free, Waste));
                }
                else
                {
                    before[id] = checked((int)Scoring.Fragment(node, fragmentShapes[id], Waste));
                }
            }

            memo.Before = WeightedSum(before);
            memo.BeforeMix = version;
        }

        // Same candidates in the same order, the same sums in the same order as scoring each afresh: the same decision.
        var best = Nowhere;
        for (var c = 0; c < candidates.Count; c++)
        {
            var after = candidates.After(c, fragmentShapes.Count);
            if (double.IsNaN(candidates.Ties[c]) || !TryWeightedSum(after, out var sum))
            {
                FillAfter(node, request, memo, candidates, c, after, ids);
                sum = WeightedSum(after);
            }

            var o = new Outcome(candidates.Gpus[c], sum - memo.Before, candidates.Ties[c]);
            if (o.Delta < best.Delta - 1e-3 || (o.Delta <= best.Delta + 1e-3 && o.Tie < best.Tie))
            {
                best = o;
            }
        }

        slot = new Slot(best, epoch, version);
        return best;
    }

    /// <summary>
    /// The request shape's cached outcomes by state id, grown to the ids in use: laid out by shape, a placement's scan
    /// over the nodes reads them from one array instead of one scattered object per node.
    /// </summary>
    private Slot[] Slots(int shape)
    {
        if (slotsByShape.Length <= shape)
        {
            Array.Resize(ref slotsByShape, Math.Max(shape + 1, slotsByShape.Length * 2));
        }

        ref var slots = ref slotsByShape[shape];
        slots ??= new Slot[epochs.Length];
        if (slots.Length < epochs.Length)
        {
            Array.Resize(ref slots, epochs.Length);
        }

        return slots;
    }

    private void GrowStates(int count)
    {
        if (epochs.Length < count)
        {
            var size = Math.Max(count, epochs.Length * 2);
            Array.Resize(ref epochs, size);
            Array.Resize(ref memos, size);
        }
    }

    /// <summary>Σ weight × fragment in mix order, the way <see cref="FragmentationScoring.Cost"/> adds it up.</summary>
    private double WeightedSum(int[] fragments)
    {
        var ids = mixIds;
        var weights = mixWeights;
        double sum = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            sum += weights[i] * (long)fragments[ids[i]];
        }

        return sum;
    }

    /// <summary><see cref="WeightedSum"/> when every fragment is known, in one pass over them.</summary>
    private bool TryWeightedSum(int[] fragments, out double sum)
    {
        var ids = mixIds;
        var weights = mixWeights;
        sum = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            var f = fragments[ids[i]];
            if (f == NodeMemo.Unknown)
            {
                return false;
            }

            sum += weights[i] * (long)f;
        }

        return true;
    }

    /// <summary>Whether a candidate's fragments can start from the node's card fits (host-aware scoring, fewer than 64 cards).</summary>
    private bool Incremental(NodeView node) => Scoring.HostAware && node.Gpus.Length < 64;

    /// <summary>Tries the candidate on the view for the fragments not known yet (and its tie-break), then takes it back.</summary>
    private void FillAfter(NodeView node, PlacementRequest request, NodeMemo memo, CandidateMemo candidates, int c, int[] after, int[] ids)
    {
        // A placement changes the fit of the cards it takes and, through the swap headroom, possibly of the others; when
        // the headroom is unchanged only its own cards are tested again, the rest keep their fit in the node as it is.
        ulong[]? masks = null;
        long swapFree = 0;
        if (Incremental(node))
        {
            masks = memo.FitMasks(fragmentShapes.Count);
            for (var i = 0; i < ids.Length; i++)
            {
                if (after[ids[i]] == NodeMemo.Unknown && masks[ids[i]] == NodeMemo.UnknownMask)
                {
                    masks[ids[i]] = FragmentationMeasure.FitMask(node, fragmentShapes[ids[i]]);
                }
            }

            swapFree = memo.SwapFree(node);
        }

        // The node has not really changed, so neither has its revision.
        var revision = node.Revision;
        var gpus = candidates.Gpus[c];
        ClusterView.Apply(node, gpus, request);
        if (masks is not null && node.SwapFree != swapFree)
        {
            masks = null;
        }

        var free = masks is null ? 0 : node.GpuComputeFree;

        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if (after[id] != NodeMemo.Unknown)
            {
                continue;
            }

            var shape = fragmentShapes[id];
            if (masks is null)
            {
                after[id] = checked((int)Scoring.Fragment(node, shape, Waste));
                continue;
            }

            var fits = masks[id];
            foreach (var k in gpus)
            {
                fits = Feasibility.GpuFits(node.Gpus[k], shape) ? fits | (1UL << k) : fits & ~(1UL << k);
            }

            after[id] = checked((int)FragmentationMeasure.HostAwareFragment(node, shape, fits, free, Waste));
        }

        if (double.IsNaN(candidates.Ties[c]))
        {
            candidates.Ties[c] = Scoring.TieBreak(node);
        }

        ClusterView.Release(node, gpus, request);
        node.Revision = revision;
    }

    /// <summary>The placements worth scoring on the node: one per distinct free card (slices), the first idle cards (whole cards), or none needed.</summary>
    private static void ListCandidates(NodeView node, PlacementRequest request, CandidateMemo candidates)
    {
        candidates.Listed = true;
        if (request.GpuCount == 0)
        {
            candidates.Add([]);
            return;
        }

        if (request.IsExclusive)
        {
            Span<int> picked = stackalloc int[Math.Min(request.GpuCount, node.Gpus.Length)];
            var n = 0;
            for (var i = 0; i < node.Gpus.Length && n < picked.Length; i++)
            {
                if (Feasibility.GpuFits(node.Gpus[i], request))
                {
                    picked[n++] = i;
                }
            }

            if (n == request.GpuCount)
            {
                candidates.AddCopy(picked);
            }

            return;
        }

        for (var i = 0; i < node.Gpus.Length; i++)
        {
            if (Feasibility.GpuFits(node.Gpus[i], request) && !SameAsEarlierCard(node, i))
            {
                candidates.Add(OneCard(i));
            }
        }
    }

    /// <summary>Stable ids for the mix's shapes (a shape keeps its id in every later mix), so cached fragments outlive the mix.</summary>
    private void PrepareMix(WorkloadMix mix)
    {
        if (ReferenceEquals(mix, preparedMix))
        {
            return;
        }

        var shapes = mix.ShapeArray;
        var ids = new int[shapes.Length];
        var weights = Scoring.Weights(mix, Waste);
        for (var i = 0; i < shapes.Length; i++)
        {
            if (!fragmentIds.TryGetValue(shapes[i].Shape, out var id))
            {
                id = fragmentShapes.Count;
                fragmentIds[shapes[i].Shape] = id;
                fragmentShapes.Add(shapes[i].Shape.AsRequest);
            }

            ids[i] = id;
        }

        preparedMix = mix;
        mixIds = ids;
        mixWeights = weights;
    }

    private static readonly int[][] OneCardArrays = [.. Enumerable.Range(0, 16).Select(i => new[] { i })];

    /// <summary>The one-card index array; shared (never mutated) for the usual card counts, so scoring allocates none.</summary>
    private static int[] OneCard(int i) => i < OneCardArrays.Length ? OneCardArrays[i] : [i];

    /// <summary>Cards in the same state give the same score; only the first of them is tried.</summary>
    private static bool SameAsEarlierCard(NodeView node, int i)
    {
        var g = node.Gpus[i];
        for (var j = 0; j < i; j++)
        {
            var h = node.Gpus[j];
            if (h.ComputeFree == g.ComputeFree && h.MemoryFree == g.MemoryFree && h.Holders == g.Holders
                && h.Exclusive == g.Exclusive && string.Equals(h.Model, g.Model, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A <see cref="Slot.Mix"/> for outcomes that hold for every mix (no candidate on the node).</summary>
    private const int AnyMix = -1;

    private static readonly Outcome Nowhere = new(null, double.PositiveInfinity, double.PositiveInfinity);

    private readonly record struct Outcome(int[]? Gpus, double Delta, double Tie);

    /// <summary>A node view as last seen at its ordinal: its revision then and the id of its state.</summary>
    private readonly record struct Seen(NodeView? Node, long Revision, int State);

    /// <summary>A cached outcome with the state epoch and mix version it is valid for.</summary>
    private readonly record struct Slot(Outcome Outcome, int Stamp, int Mix);

    /// <summary>
    /// What is known of a node state for its current epoch (the state its id stands for): fragments by stable mix-shape id
    /// (for any mix), each request shape's candidates and the fragments after them.
    /// </summary>
    private sealed class NodeMemo
    {
        /// <summary>A fragment not computed yet; real fragments are never negative.</summary>
        public const int Unknown = -1;

        /// <summary>A fit mask not computed yet; no node scored by masks has 64 cards.</summary>
        public const ulong UnknownMask = ulong.MaxValue;

        private int epoch;
        private CandidateMemo?[] candidates = [];
        private int[] before = [];
        private ulong[] masks = [];
        private long swapFree;
        private bool swapKnown;

        public double Before { get; set; }

        /// <summary>The mix version <see cref="Before"/> was summed for; -1 when none.</summary>
        public int BeforeMix { get; set; } = -1;

        /// <summary>Forgets what was known of the node when its epoch (node view and revision) moved on.</summary>
        public void Validate(int current, int shapes)
        {
            if (candidates.Length < shapes)
            {
                Array.Resize(ref candidates, Math.Max(shapes, candidates.Length * 2));
            }

            if (epoch == current)
            {
                return;
            }

            epoch = current;
            BeforeMix = -1;
            Array.Fill(before, Unknown);
            Array.Fill(masks, UnknownMask);
            swapKnown = false;
        }

        /// <summary>Fragments of the node as it is, by mix-shape id, grown to <paramref name="shapes"/> ids.</summary>
        public int[] BeforeFragments(int shapes)
        {
            CandidateMemo.Grow(ref before, shapes);
            return before;
        }

        /// <summary>Which cards of the node as it is fit each mix shape, by mix-shape id, grown to <paramref name="shapes"/> ids.</summary>
        public ulong[] FitMasks(int shapes)
        {
            if (masks.Length < shapes)
            {
                var old = masks.Length;
                Array.Resize(ref masks, Math.Max(shapes, old == 0 ? shapes + 16 : Math.Min(old * 2, shapes + 16)));
                Array.Fill(masks, UnknownMask, old, masks.Length - old);
            }

            return masks;
        }

        /// <summary>The node's swap headroom as it is (the one node-wide input of a card's fit).</summary>
        public long SwapFree(NodeView current)
        {
            if (!swapKnown)
            {
                swapFree = current.SwapFree;
                swapKnown = true;
            }

            return swapFree;
        }

        /// <summary>The request shape's candidates on the node as it is; cleared (storage kept) when the node changed.</summary>
        public CandidateMemo Candidates(int shape)
        {
            var memo = candidates[shape] ??= new CandidateMemo();
            if (memo.Epoch != epoch)
            {
                memo.Reset(epoch);
            }

            return memo;
        }
    }

    /// <summary>One request shape's candidate placements on one node, each with its fragments afterwards and its tie-break.</summary>
    private sealed class CandidateMemo
    {
        private int[][] after = [];

        public int Epoch { get; private set; }

        public bool Listed { get; set; }

        public int Count { get; private set; }

        public int[][] Gpus { get; private set; } = [];

        /// <summary>Tie-break after each placement; NaN until computed.</summary>
        public double[] Ties { get; private set; } = [];

        public void Reset(int epoch)
        {
            Epoch = epoch;
            Listed = false;
            Count = 0;
        }

        public void Add(int[] gpus)
        {
            if (Count == Gpus.Length)
            {
                var size = Math.Max(2, Count * 2);
                var g = Gpus;
                var t = Ties;
                Array.Resize(ref g, size);
                Array.Resize(ref t, size);
                Array.Resize(ref after, size);
                Gpus = g;
                Ties = t;
            }

            Gpus[Count] = gpus;
            Ties[Count] = double.NaN;
            if (after[Count] is { } known)
            {
                Array.Fill(known, NodeMemo.Unknown);
            }

            Count++;
        }

        /// <summary>
        /// Adds a candidate from a buffer, reusing the array this slot held before when it holds the same cards: a
        /// node's whole-card candidates are listed again after every change of the node and mostly come out the same.
        /// Arrays handed out are never written again.
        /// </summary>
        public void AddCopy(ReadOnlySpan<int> gpus)
        {
            var old = Count < Gpus.Length ? Gpus[Count] : null;
            Add(old is not null && gpus.SequenceEqual(old) ? old : gpus.ToArray());
        }

        /// <summary>The fragments after candidate <paramref name="c"/>, by mix-shape id, grown to <paramref name="shapes"/> ids.</summary>
        public int[] After(int c, int shapes)
        {
            after[c] ??= [];
            Grow(ref after[c], shapes);
            return after[c];
        }

        /// <summary>Grows a fragment array to hold <paramref name="shapes"/> ids, the new ones unknown; lazily, with room to spare.</summary>
        public static void Grow(ref int[] fragments, int shapes)
        {
            if (fragments.Length >= shapes)
            {
                return;
            }

            var old = fragments.Length;
            Array.Resize(ref fragments, Math.Max(shapes, old == 0 ? shapes + 16 : Math.Min(old * 2, shapes + 16)));
            Array.Fill(fragments, NodeMemo.Unknown, old, fragments.Length - old);
        }
    }
}
