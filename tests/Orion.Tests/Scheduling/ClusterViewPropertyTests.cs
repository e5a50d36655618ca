using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class ClusterViewPropertyTests
{
    public static TheoryData<string, int> PoliciesAndSeeds()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in PlacementPolicies.Names)
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                data.Add(name, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PoliciesAndSeeds))]
    public void Random_place_and_release_keeps_free_equal_to_capacity_minus_placed(string policyName, int seed)
    {
        var random = new Random(seed);
        var nodes = Enumerable.Range(0, 4).Select(i => Node($"n{i}", gpus: 1 + (i % 4), cpu: 16_000, memory: 65_536)).ToArray();
        var view = Of(nodes);
        var policy = PlacementPolicies.Create(policyName, seed);
        var placed = new List<(PlacementChoice Choice, PlacementRequest Request)>();

        for (var step = 0; step < 400; step++)
        {
            if (placed.Count > 0 && random.NextDouble() < 0.4)
            {
                var k = random.Next(placed.Count);
                ClusterView.Release(placed[k].Choice, placed[k].Request);
                placed.RemoveAt(k);
            }
            else
            {
                var request = random.Next(5) switch
                {
                    0 => Whole(1 + random.Next(3), cpu: random.Next(0, 4000), hostMemory: random.Next(0, 8192)),
                    1 => new PlacementRequest(0, 0, 0, random.Next(1, 4000), random.Next(0, 8192), []),
                    _ => Slice(10 * random.Next(1, 101), random.Next(1, 40_000), random.Next(0, 4000), random.Next(0, 8192)),
                };
                policy.Observe(request);
                var choice = policy.Choose(view, request);
                if (choice is not null)
                {
                    Assert.True(Feasibility.HostFits(choice.Node, request));
                    Assert.All(choice.Gpus, g => Assert.True(Feasibility.GpuFits(g, request)));
                    ClusterView.Apply(choice, request);
                    placed.Add((choice, request));
                }
                else
                {
                    Assert.DoesNotContain(nodes, n => Feasibility.NodeFits(n, request));
                }
            }

            AssertConsistent(nodes, placed);
        }
    }

    private static void AssertConsistent(NodeView[] nodes, List<(PlacementChoice Choice, PlacementRequest Request)> placed)
    {
        foreach (var node in nodes)
        {
            var here = placed.Where(p => p.Choice.Node == node).ToList();
            Assert.Equal(node.CpuCapacity - here.Sum(p => p.Request.CpuMilli), node.CpuFree);
            Assert.Equal(node.MemoryCapacity - here.Sum(p => p.Request.HostMemoryMiB), node.MemoryFree);
            Assert.InRange(node.CpuFree, 0, node.CpuCapacity);
            for (var i = 0; i < node.Gpus.Length; i++)
            {
                var g = node.Gpus[i];
                var onCard = here.Where(p => p.Choice.GpuIndexes.Contains(i)).Select(p => ClusterView.SliceOn(g, p.Request)).ToList();
                Assert.Equal(g.ComputeCapacity - onCard.Sum(s => s.ComputeMilli), g.ComputeFree);
                Assert.Equal(g.MemoryCapacity - onCard.Sum(s => s.MemoryMiB), g.MemoryFree);
                Assert.Equal(onCard.Count, g.Holders);
                Assert.Equal(onCard.Any(s => s.Exclusive), g.Exclusive);
                Assert.InRange(g.ComputeFree, 0, g.ComputeCapacity);
                Assert.InRange(g.MemoryFree, 0, g.MemoryCapacity);
                Assert.True(!g.Exclusive || g.Holders == 1);
            }
        }
    }
}
