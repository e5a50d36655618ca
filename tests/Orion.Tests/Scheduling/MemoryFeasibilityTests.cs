using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class MemoryFeasibilityTests
{
    /// <summary>A node of one 80 GB card whose memory is oversubscribed 2× (160 GB allocatable), with a host swap budget.</summary>
    private static NodeView Node(long swapBudget) =>
        new("n", "dc1", 64_000, 262_144, [new GpuView("n/0", 0, "A100-80GB", 2000, 163_840, 81_920)]) { SwapBudget = swapBudget };

    private static PlacementRequest Slice(long memory, bool swappable = true) => new(1, 100, memory, 0, 0, [], null, swappable);

    [Fact]
    public void Memory_may_be_allocated_past_the_device_up_to_the_factor_when_host_ram_can_back_it()
    {
        var node = Node(swapBudget: 200_000);
        var policy = new BestFitPolicy();
        var view = Clusters.Of(node);
        foreach (var mib in new[] { 60_000L, 60_000L, 40_000L })
        {
            var choice = policy.Choose(view, Slice(mib))!;
            ClusterView.Apply(choice, Slice(mib));
        }

        Assert.Equal(3_840, node.Gpus[0].MemoryFree);
        Assert.Null(policy.Choose(view, Slice(4_000)));
        Assert.Equal(200_000 - 160_000, node.SwapFree);
    }

    [Fact]
    public void Memory_that_may_not_swap_must_fit_the_device_itself()
    {
        var node = Node(swapBudget: 200_000);
        var view = Clusters.Of(node);
        var policy = new BestFitPolicy();
        ClusterView.Apply(policy.Choose(view, Slice(60_000, swappable: false))!, Slice(60_000, swappable: false));
        Assert.Null(policy.Choose(view, Slice(30_000, swappable: false)));
        Assert.NotNull(policy.Choose(view, Slice(21_920, swappable: false)));
        Assert.NotNull(policy.Choose(view, Slice(60_000)));
    }

    [Fact]
    public void The_node_swap_budget_bounds_what_may_be_oversubscribed()
    {
        var node = Node(swapBudget: 80_000);
        var view = Clusters.Of(node);
        var policy = new BestFitPolicy();
        ClusterView.Apply(policy.Choose(view, Slice(60_000, swappable: false))!, Slice(60_000, swappable: false));

        // Past the device, every swappable task on the card may have to move out whole: 60 GB fits 80 GB of budget, 90 GB does not.
        var choice = policy.Choose(view, Slice(60_000))!;
        ClusterView.Apply(choice, Slice(60_000));
        Assert.Null(policy.Choose(view, Slice(30_000)));
        Assert.Equal(20_000, node.SwapFree);
    }
}
