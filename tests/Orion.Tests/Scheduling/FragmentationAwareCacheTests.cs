using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

/// <summary>
/// The policy caches fragments per node across mixes and derives candidates' fragments from the node's card fits; these
/// check its choices against scoring every candidate afresh (apply, measure the cost against the mix, release).
/// </summary>
public sealed class FragmentationAwareCacheTests
{
    private static readonly PlacementRequest[] Requests =
    [
        Slice(250), Slice(500), Slice(1000, 0), Slice(300, cpu: 6000), Slice(100, cpu: 500, hostMemory: 30_000),
        Slice(500, models: ["T4-16GB"]), Slice(700, cpu: 12_000), Whole(2), Whole(4, cpu: 8000), Whole(1, cpu: 3000),
        new(0, 0, 0, 4000, 8192, []),
    ];

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void A_relearning_policy_chooses_as_scoring_afresh_against_its_current_mix(int seed, bool leftoverWaste)
    {
        var random = new Random(seed);
        var view = Pool(random);
        var scoring = FragmentationScoring.Orion with { CountsLeftoverWaste = leftoverWaste };
        var policy = new FragmentationAwarePolicy(window: 30, scoring) { MixTolerance = 0, WasteTolerance = 0 };
        ReplayAgainstAfresh(random, view, Requests, policy, steps: 600, departures: 0.3);

        Assert.True(policy.MixRebuilds > 20);
        Assert.Equal(leftoverWaste, policy.WasteRebuilds > 10);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void A_policy_scoring_nodes_alike_once_chooses_as_scoring_afresh(int seed)
    {
        // Few node types, many of each: most nodes share a state with another one, until placements and departures set
        // them apart and bring some back together again. Nodes alike but for their data centre are not alike to
        // requests bound to one.
        var random = new Random(seed);
        var view = Of([.. Enumerable.Range(0, 24).Select(i => Node(
            $"n{i:D2}", gpus: i % 3 == 0 ? 8 : 2, model: i % 4 == 1 ? "T4-16GB" : "A100-80GB", cpu: i % 3 == 2 ? 8000 : 64_000,
            dc: i % 8 < 4 ? "dc1" : "dc2"))]);
        PlacementRequest[] requests = [.. Requests, Slice(300, dc: "dc2"), Slice(600, cpu: 4000, dc: "dc1")];
        var policy = new FragmentationAwarePolicy(window: 30) { MixTolerance = 0, WasteTolerance = 0 };
        ReplayAgainstAfresh(random, view, requests, policy, steps: 800, departures: 0.35);
    }

    /// <summary>
    /// Arrivals (skewed, so the learned mix keeps changing and shapes come and go) and departures; every choice must be
    /// the one scoring every node afresh would make.
    /// </summary>
    private static void ReplayAgainstAfresh(Random random, ClusterView view, PlacementRequest[] requests, FragmentationAwarePolicy policy, int steps, double departures)
    {
        var placed = new List<(PlacementChoice Choice, PlacementRequest Request)>();
        for (var step = 0; step < steps; step++)
        {
            if (placed.Count > 0 && random.NextDouble() < departures)
            {
                var k = random.Next(placed.Count);
                ClusterView.Release(placed[k].Choice, placed[k].Request);
                placed.RemoveAt(k);
                continue;
            }

            var request = requests[Math.Min(random.Next(requests.Length), random.Next(requests.Length))];
            policy.Observe(request);
            var choice = policy.Choose(view, request);
            var expected = Afresh(view, request, policy.Mix, policy.Scoring, policy.Waste);
            Assert.Equal(expected?.Node.Id, choice?.Node.Id);
            Assert.Equal(expected?.GpuIndexes, choice?.GpuIndexes);
            if (choice is not null)
            {
                ClusterView.Apply(choice, request);
                placed.Add((choice, request));
            }
        }
    }

    [Fact]
    public void A_fixed_mix_under_the_published_rule_chooses_as_scoring_afresh()
    {
        var random = new Random(4);
        var view = Pool(random);
        var mix = WorkloadMix.FromRequests(Requests);
        var policy = new FragmentationAwarePolicy(mix, FragmentationScoring.Fgd);
        for (var step = 0; step < 300; step++)
        {
            var request = Requests[random.Next(Requests.Length)];
            var choice = policy.Choose(view, request);
            var expected = Afresh(view, request, mix, FragmentationScoring.Fgd, null);
            Assert.Equal(expected?.Node.Id, choice?.Node.Id);
            Assert.Equal(expected?.GpuIndexes, choice?.GpuIndexes);
            if (choice is not null)
            {
                ClusterView.Apply(choice, request);
            }
        }
    }

    private static ClusterView Pool(Random random)
    {
        var models = new[] { "A100-80GB", "T4-16GB", "V100-32GB" };
        return Of([.. Enumerable.Range(0, 12).Select(i => Node(
            $"n{i:D2}", gpus: new[] { 1, 2, 4, 8 }[random.Next(4)], model: models[random.Next(models.Length)],
            cpu: random.Next(8, 97) * 1000, memory: random.Next(32, 513) * 1024))]);
    }

    /// <summary>The policy's rule without caches: every candidate applied, costed against the mix and released.</summary>
    private static PlacementChoice? Afresh(ClusterView view, PlacementRequest request, WorkloadMix mix, FragmentationScoring scoring, LeftoverWaste? waste)
    {
        PlacementChoice? best = null;
        var bestDelta = double.PositiveInfinity;
        var bestTie = double.PositiveInfinity;
        var scarcity = new ModelScarcity();
        var scarce = scoring.ModelScarcity && request.GpuCount > 0 && scarcity.Measure(mix, [.. view.Nodes]);
        foreach (var node in view.Nodes)
        {
            if (!Feasibility.HostFits(node, request))
            {
                continue;
            }

            // The node's best candidate first, then that against the best node, as the policy compares them.
            int[]? nodeGpus = null;
            var nodeDelta = double.PositiveInfinity;
            var nodeTie = double.PositiveInfinity;
            foreach (var gpus in Candidates(node, request))
            {
                var before = scoring.Cost(node, mix, waste);
                var choice = new PlacementChoice(node, gpus);
                ClusterView.Apply(choice, request);
                var delta = scoring.Cost(node, mix, waste) - before;
                var tie = scoring.TieBreak(node);
                ClusterView.Release(choice, request);
                if (delta < nodeDelta - 1e-3 || (delta <= nodeDelta + 1e-3 && tie < nodeTie))
                {
                    (nodeGpus, nodeDelta, nodeTie) = (gpus, delta, tie);
                }
            }

            // Model scarcity weighs nodes against each other; a node's own candidate is chosen by fragments alone.
            if (nodeGpus is not null && scarce)
            {
                nodeDelta += scarcity.Cost(node, nodeGpus, request.ComputeMilli);
            }

            if (nodeGpus is not null && (nodeDelta < bestDelta - 1e-3 || (nodeDelta <= bestDelta + 1e-3 && nodeTie < bestTie)))
            {
                (best, bestDelta, bestTie) = (new PlacementChoice(node, nodeGpus), nodeDelta, nodeTie);
            }
        }

        return best;
    }

    private static IEnumerable<int[]> Candidates(NodeView node, PlacementRequest request)
    {
        if (request.GpuCount == 0)
        {
            return [[]];
        }

        var fitting = Enumerable.Range(0, node.Gpus.Length).Where(i => Feasibility.GpuFits(node.Gpus[i], request)).ToArray();
        if (request.IsExclusive)
        {
            return fitting.Length >= request.GpuCount ? [fitting[..request.GpuCount]] : [];
        }

        // Cards in the same state score the same; the first of them stands for all.
        return fitting.Where(i => !Enumerable.Range(0, i).Any(j => Same(node.Gpus[i], node.Gpus[j]))).Select(i => new[] { i });
    }

    private static bool Same(GpuView a, GpuView b) =>
        a.ComputeFree == b.ComputeFree && a.MemoryFree == b.MemoryFree && a.Holders == b.Holders && a.Exclusive == b.Exclusive
        && a.Model == b.Model;
}
