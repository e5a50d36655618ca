using System.Runtime.CompilerServices;

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
    private readonly ConditionalWeakTable<NodeView, NodeMemo> memos = new();
    private WorkloadMix? learned;
    private int mixVersion;
    private int observedSinceRebuild;

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

        // Rebuilding the mix throws every cached score away: often while the window fills, then every
        // eighth of a window, which is as fast as a mix of that many requests can really change.
        var every = Math.Clamp(recent.Count / 8, 1, Math.Max(1, window / 8));
        if (learned is null || ++observedSinceRebuild >= every)
        {
            learned = null;
            observedSinceRebuild = 0;
        }
    }

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request)
    {
        var mix = Mix;
        var shape = WorkloadShape.Of(request);
        NodeView? best = null;
        int[]? bestGpus = null;
        var bestScore = double.PositiveInfinity;
        var bestTie = double.PositiveInfinity;
        foreach (var node in cluster.Nodes)
        {
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

    /// <summary>The cards this policy would take on a node and what that costs; cached until the node or the mix changes.</summary>
    private Outcome Evaluate(NodeView node, PlacementRequest request, WorkloadShape shape, WorkloadMix mix)
    {
        var memo = memos.GetValue(node, static n => new NodeMemo(n));
        memo.Validate(node, fixedMix is null ? mixVersion : 0);
        // The shape is what the mix sees; the rest of the request also decides where it fits.
        var key = (shape, request.Online, request.AvoidOnlineCards, request.Swappable, request.DataCenter);
        if (memo.Outcomes.TryGetValue(key, out var cached))
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
        memo.Outcomes[key] = outcome;
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

            var o = Score(node, [i], request, before, mix);
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
        var choice = new PlacementChoice(node, gpus);
        ClusterView.Apply(choice, request);
        var after = Scoring.Cost(node, mix);
        var tie = Scoring.TieBreak(node);
        ClusterView.Release(choice, request);
        return new Outcome(gpus, after - before, tie);
    }

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

    /// <summary>What a node looked like when its scores were cached, so a change to it (or to the mix) drops them.</summary>
    private sealed class NodeMemo
    {
        private readonly int[] compute;
        private readonly long[] memory;
        private readonly int[] holders;
        private long cpu;
        private long hostMemory;
        private bool schedulable;
        private int mix = -1;

        public NodeMemo(NodeView node)
        {
            compute = new int[node.Gpus.Length];
            memory = new long[node.Gpus.Length];
            holders = new int[node.Gpus.Length];
        }

        public double Before { get; set; } = double.NaN;

        public Dictionary<(WorkloadShape Shape, bool Online, bool AvoidOnline, bool Swappable, string? DataCenter), Outcome> Outcomes { get; } = [];

        public void Validate(NodeView node, int mixVersion)
        {
            var same = mix == mixVersion && cpu == node.CpuFree && hostMemory == node.MemoryFree && schedulable == node.Schedulable;
            for (var i = 0; same && i < compute.Length; i++)
            {
                var g = node.Gpus[i];
                same = compute[i] == (g.Exclusive ? -1 : g.ComputeFree) && memory[i] == g.MemoryFree && holders[i] == g.Holders;
            }

            if (same)
            {
                return;
            }

            mix = mixVersion;
            cpu = node.CpuFree;
            hostMemory = node.MemoryFree;
            schedulable = node.Schedulable;
            for (var i = 0; i < compute.Length; i++)
            {
                var g = node.Gpus[i];
                compute[i] = g.Exclusive ? -1 : g.ComputeFree;
                memory[i] = g.MemoryFree;
                holders[i] = g.Holders;
            }

            Before = double.NaN;
            Outcomes.Clear();
        }
    }
}
