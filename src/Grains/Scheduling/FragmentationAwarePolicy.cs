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
    private readonly List<NodeMemo?> memos = [];
    private readonly Dictionary<(WorkloadShape Shape, bool Online, bool AvoidOnline, Residency Residency, bool Swappable, string? DataCenter), int> shapeIds = [];
    private WorkloadMix? learned;
    private int mixVersion;
    private int observedSinceRebuild;
    private PlacementRequest? lastRequest;
    private int lastShapeId;

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
    /// a mix drops every cached score; a window of a few thousand requests moves by a few percent from sampling noise
    /// alone, which is not worth rescoring the pool for.
    /// </summary>
    public double MixTolerance { get; init; } = 0.02;

    /// <summary>How many times the learned mix was replaced (each drops the cached scores).</summary>
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
        // many requests can really change; adopt only a mix that really moved, since adopting drops every cached score.
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
        var shape = ShapeId(request);
        NodeView? best = null;
        int[]? bestGpus = null;
        var bestScore = double.PositiveInfinity;
        var bestTie = double.PositiveInfinity;
        var nodes = cluster.Nodes;
        for (var k = 0; k < nodes.Count; k++)
        {
            var node = nodes[k];
            if (!Feasibility.HostFits(node, request))
            {
                continue;
            }

            var outcome = Evaluate(node, request, shape, mix);
            if (outcome.Gpus is null)
            {
                continue;
            }

            // Deltas are sums of weighted milli; below a thousandth of a milli they are equal.
            if (outcome.Delta < bestScore - 1e-3 || (outcome.Delta <= bestScore + 1e-3 && outcome.Tie < bestTie))
            {
                best = node;
                bestGpus = outcome.Gpus;
                bestScore = outcome.Delta;
                bestTie = outcome.Tie;
            }
        }

        return best is null ? null : new PlacementChoice(best, bestGpus!);
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
        var shape = (WorkloadShape.Of(request), request.Online, request.AvoidOnlineCards, request.Residency, request.Swappable, request.DataCenter);
        if (!shapeIds.TryGetValue(shape, out var id))
        {
            id = shapeIds.Count;
            shapeIds[shape] = id;
        }

        lastRequest = request;
        lastShapeId = id;
        return id;
    }

    /// <summary>The cards this policy would take on a node and what that costs; cached until the node or the mix changes.</summary>
    private Outcome Evaluate(NodeView node, PlacementRequest request, int shape, WorkloadMix mix)
    {
        while (memos.Count <= node.Ordinal)
        {
            memos.Add(null);
        }

        var memo = memos[node.Ordinal] ??= new NodeMemo();
        memo.Validate(node, fixedMix is null ? mixVersion : 0, shapeIds.Count);
        if (memo.TryGet(shape, out var cached))
        {
            return cached;
        }

        if (double.IsNaN(memo.Before))
        {
            memo.Before = Scoring.Cost(node, mix);
        }

        var outcome = request.GpuCount == 0
            ? Score(node, [], request, memo.Before, mix)
            : request.IsExclusive ? ScoreExclusive(node, request, memo.Before, mix) : ScoreShared(node, request, memo.Before, mix);
        memo.Set(shape, outcome);
        return outcome;
    }

    private Outcome ScoreShared(NodeView node, PlacementRequest request, double before, WorkloadMix mix)
    {
        var best = new Outcome(null, double.PositiveInfinity, double.PositiveInfinity);
        for (var i = 0; i < node.Gpus.Length; i++)
        {
            var g = node.Gpus[i];
            if (!Feasibility.GpuFits(g, request) || SameAsEarlierCard(node, i))
            {
                continue;
            }

            var o = Score(node, OneCard(i), request, before, mix);
            if (o.Delta < best.Delta - 1e-3 || (o.Delta <= best.Delta + 1e-3 && o.Tie < best.Tie))
            {
                best = o;
            }
        }

        return best;
    }

    private Outcome ScoreExclusive(NodeView node, PlacementRequest request, double before, WorkloadMix mix)
    {
        var picked = new int[request.GpuCount];
        var n = 0;
        for (var i = 0; i < node.Gpus.Length && n < picked.Length; i++)
        {
            if (Feasibility.GpuFits(node.Gpus[i], request))
            {
                picked[n++] = i;
            }
        }

        return n == picked.Length ? Score(node, picked, request, before, mix) : new Outcome(null, 0, 0);
    }

    private Outcome Score(NodeView node, int[] gpus, PlacementRequest request, double before, WorkloadMix mix)
    {
        // Try the placement on the view and take it back; the node has not really changed, so neither has its revision.
        var revision = node.Revision;
        var choice = new PlacementChoice(node, gpus);
        ClusterView.Apply(choice, request);
        var after = Scoring.Cost(node, mix);
        var tie = Scoring.TieBreak(node);
        ClusterView.Release(choice, request);
        node.Revision = revision;
        return new Outcome(gpus, after - before, tie);
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

    private readonly record struct Outcome(int[]? Gpus, double Delta, double Tie);

    /// <summary>A node's cached scores, by request shape; valid while the node view, its revision and the mix are those seen.</summary>
    private sealed class NodeMemo
    {
        private NodeView? node;
        private long revision;
        private int mix = -1;
        private int epoch;
        private Outcome[] outcomes = [];
        private int[] stamps = [];

        public double Before { get; set; } = double.NaN;

        public void Validate(NodeView current, int mixVersion, int shapes)
        {
            if (outcomes.Length < shapes)
            {
                var size = Math.Max(shapes, outcomes.Length * 2);
                Array.Resize(ref outcomes, size);
                Array.Resize(ref stamps, size);
            }

            if (ReferenceEquals(node, current) && revision == current.Revision && mix == mixVersion)
            {
                return;
            }

            node = current;
            revision = current.Revision;
            mix = mixVersion;
            Before = double.NaN;

            // A new epoch invalidates every stamp at once instead of clearing the arrays.
            epoch++;
        }

        public bool TryGet(int shape, out Outcome outcome)
        {
            outcome = outcomes[shape];
            return stamps[shape] == epoch;
        }

        public void Set(int shape, Outcome outcome)
        {
            outcomes[shape] = outcome;
            stamps[shape] = epoch;
        }
    }
}
