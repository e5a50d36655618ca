using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class OnlineAwarePolicyTests
{
    private static PlacementRequest Online(int milli) => Slice(milli) with { Online = true };

    [Fact]
    public void Work_that_would_yield_goes_to_a_card_without_services_when_one_fits()
    {
        var a = Node("a", gpus: 1);
        var b = Node("b", gpus: 1);
        var view = Of(a, b);
        var policy = new OnlineAwarePolicy(new BestFitPolicy());
        ClusterView.Apply(policy.Choose(view, Online(300))!, Online(300));
        var serviceNode = a.Gpus[0].OnlineCompute > 0 ? a : b;

        var batch = policy.Choose(view, Slice(500))!;
        Assert.NotSame(serviceNode, batch.Node);

        // Best fit alone would have packed it beside the service.
        Assert.Same(serviceNode, new BestFitPolicy().Choose(view, Slice(500))!.Node);
    }

    [Fact]
    public void Beside_services_only_when_nothing_else_fits()
    {
        var only = Node("only", gpus: 1);
        var view = Of(only);
        var policy = new OnlineAwarePolicy(new BestFitPolicy());
        ClusterView.Apply(policy.Choose(view, Online(300))!, Online(300));
        Assert.Same(only, policy.Choose(view, Slice(500))!.Node);
        Assert.Same(only, policy.Choose(view, Online(700))!.Node);
    }

    [Theory]
    [InlineData("best-fit")]
    [InlineData("fragmentation")]
    [InlineData("spread")]
    public void Online_work_never_oversubscribes_online_work_even_where_compute_may(string name)
    {
        // Oversubscribed card: 2000 milli allocatable, but busy services are never paused, so together at most 1000.
        var n = new NodeView("n", "dc1", 64_000, 262_144, [new GpuView("n/0", 0, "A100-80GB", 2000, 81_920)]);
        var view = Of(n);
        var policy = PlacementPolicies.Create(name);
        ClusterView.Apply(policy.Choose(view, Online(700))!, Online(700));
        Assert.Null(policy.Choose(view, Online(400)));
        Assert.NotNull(policy.Choose(view, Online(300)));
        Assert.NotNull(policy.Choose(view, Slice(1000)));
    }
}
