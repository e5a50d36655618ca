using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

/// <summary>A process goes only to nodes that run processes (NVIDIA cards), a synthetic task only to the others; shapes of the mix are scored on any.</summary>
public sealed class WorkloadKindPlacementTests
{
    private static NodeView Nvidia(string id) =>
        new(id, "dc1", 64_000, 262_144, [.. Enumerable.Range(0, 4).Select(i => new GpuView($"{id}/{i}", i, "A100-80GB", 1000, 81_920))]) { RunsProcesses = true };

    [Fact]
    public void The_host_filter_keeps_each_kind_to_its_nodes()
    {
        var (sim, gpu) = (Node("sim"), Nvidia("gpu"));
        Assert.True(Feasibility.HostFits(sim, Slice(500) with { RunsProcess = false }));
        Assert.False(Feasibility.HostFits(gpu, Slice(500) with { RunsProcess = false }));
        Assert.True(Feasibility.HostFits(gpu, Slice(500) with { RunsProcess = true }));
        Assert.False(Feasibility.HostFits(sim, Slice(500) with { RunsProcess = true }));

        // A shape of the mix says nothing of its kind: it is scored on every node.
        Assert.True(Feasibility.HostFits(sim, Slice(500)) && Feasibility.HostFits(gpu, Slice(500)));
        Assert.False(Node("x").SameState(Nvidia("y")));
    }

    public static TheoryData<string> Policies => [.. PlacementPolicies.Names];

    [Theory]
    [MemberData(nameof(Policies))]
    public void Every_policy_places_each_kind_on_its_nodes_even_when_the_other_kind_came_first(string name)
    {
        var policy = PlacementPolicies.Create(name);
        var cluster = Of(Node("a-sim"), Nvidia("b-gpu"));
        var synthetic = Slice(500) with { RunsProcess = false };
        var process = Slice(500) with { RunsProcess = true };
        for (var i = 0; i < 6; i++)
        {
            // The same shape, one kind then the other: what the policy cached of one must not decide the other.
            var first = policy.Choose(cluster, i % 2 == 0 ? synthetic : process)!;
            Assert.Equal(i % 2 == 0 ? "a-sim" : "b-gpu", first.Node.Id);
            ClusterView.Apply(first, i % 2 == 0 ? synthetic : process);
            var second = policy.Choose(cluster, i % 2 == 0 ? process : synthetic)!;
            Assert.Equal(i % 2 == 0 ? "b-gpu" : "a-sim", second.Node.Id);
        }
    }
}
