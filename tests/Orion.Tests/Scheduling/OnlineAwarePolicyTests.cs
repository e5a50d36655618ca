using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class OnlineAwarePolicyTests
{
    private static PlacementRequest Online(int milli) => Slice(milli) with { Online = true };

    private static PlacementRequest Online(int milli, long memory, bool swappable = true) => Slice(milli, memory) with { Online = true, Swappable = swappable };

    /// <summary>A node of one 80 GB card with compute and memory oversubscribed 2×, and host RAM to back it.</summary>
    private static NodeView Oversubscribed(string id) =>
        new(id, "dc1", 64_000, 262_144, [new GpuView($"{id}/0", 0, "A100-80GB", 2000, 163_840, 81_920)]) { SwapBudget = 262_144 };

    private static NodeView With(NodeView node, params PlacementRequest[] placed)
    {
        foreach (var r in placed)
        {
            ClusterView.Apply(new PlacementChoice(node, [0]), r);
        }

        return node;
    }

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

    [Theory]
    [InlineData("best-fit")]
    [InlineData("fragmentation")]
    [InlineData("spread")]
    public void Online_memory_never_oversubscribes_the_device_even_where_memory_may(string name)
    {
        // 160 GB allocatable, but busy services must all be resident at once: together at most the 80 GB device.
        var view = Of(With(Oversubscribed("n"), Online(300, 50_000)));
        var policy = PlacementPolicies.Create(name);
        Assert.Null(policy.Choose(view, Online(300, 40_000)));
        Assert.NotNull(policy.Choose(view, Online(300, 31_920)));
        Assert.NotNull(policy.Choose(view, Slice(300, 100_000)));
    }

    [Fact]
    public void Work_runs_beside_quiet_services_rather_than_wait_in_host_RAM_on_a_card_without_them()
    {
        // A card whose device a 70 GB training job fills, and a card with 20 GB of services.
        var training = With(Oversubscribed("train"), Slice(1000, 70_000));
        var services = With(Oversubscribed("svc"), Online(300, 20_480));
        var view = Of(training, services);
        var batch = Slice(500, 30_720);

        Assert.Same(services, new OnlineAwarePolicy(new BestFitPolicy()).Choose(view, batch)!.Node);

        // Kept off service cards at any price, it would wait in host RAM behind the training job.
        Assert.Same(training, new BestFitPolicy().Choose(view, batch with { AvoidOnlineCards = true })!.Node);
    }

    [Fact]
    public void Among_cards_that_hold_it_now_one_without_services_wins_then_one_where_no_pages_move()
    {
        var batch = Slice(500, 30_720);
        var policy = new OnlineAwarePolicy(new BestFitPolicy());
        var empty = Oversubscribed("empty");
        var small = With(Oversubscribed("small"), Online(100, 20_480));
        var big = With(Oversubscribed("big"), Online(900, 61_440));
        Assert.Same(empty, policy.Choose(Of(big, empty, small), batch)!.Node);

        // Best fit alone takes the fuller card, where the services' idle pages would have to move out first.
        Assert.Same(small, policy.Choose(Of(big, small), batch)!.Node);
        Assert.Same(big, new BestFitPolicy().Choose(Of(big, small), batch)!.Node);
    }

    [Fact]
    public void Idle_service_pages_make_room_before_work_waits_in_host_RAM_but_pinned_ones_do_not()
    {
        var batch = Slice(500, 30_720);
        var policy = new OnlineAwarePolicy(new BestFitPolicy());
        var training = With(Oversubscribed("train"), Slice(1000, 70_000));
        var services = With(Oversubscribed("svc"), Online(300, 61_440));
        Assert.Same(services, policy.Choose(Of(training, services), batch)!.Node);

        // Services whose memory may not move leave no room; the batch waits in host RAM on the card without them.
        var pinned = With(Oversubscribed("svc"), Online(300, 61_440, swappable: false));
        Assert.Same(training, policy.Choose(Of(training, pinned), batch)!.Node);
    }
}
