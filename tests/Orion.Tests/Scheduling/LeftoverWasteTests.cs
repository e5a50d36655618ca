using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class LeftoverWasteTests
{
    private static readonly FragmentationScoring NotCounting = FragmentationScoring.Orion with { CountsLeftoverWaste = false };

    [Fact]
    public void A_leftover_is_worth_what_the_next_task_of_the_mix_leaves_of_it()
    {
        // Only 500-milli tasks: under 500 nothing fits and all is lost; 700 takes one and loses the 200 left.
        var waste = WorkloadMix.FromRequests([Slice(500)]).Waste;
        Assert.Equal(1.0, waste.SharingShare);
        Assert.Equal(0, waste[0]);
        Assert.Equal(300, waste[300]);
        Assert.Equal(200, waste[700]);
        Assert.Equal(0, waste[1000]);
    }

    [Fact]
    public void An_oversubscribed_card_offering_more_than_a_card_is_worth_what_the_mix_leaves_of_all_of_it()
    {
        // Compute oversubscribed 2×: 1,500 free takes two 600 tasks and loses 300 (clamped to one card it would lose 400).
        var waste = WorkloadMix.FromRequests([Slice(600)]).Waste;
        Assert.Equal(400, waste[1000]);
        Assert.Equal(300, waste[1500]);
        Assert.Equal(200, waste[2000]);
        Assert.Equal(400, waste[1000]);
    }

    [Fact]
    public void Whole_card_tasks_end_a_leftover_and_weigh_it_by_the_sharing_share()
    {
        // Half 400-milli slices, half whole cards: σ = ½. W(300) = 300; W(600) = ½·W(200) + ½·600 = 400.
        var waste = WorkloadMix.FromRequests([Slice(400), Whole(1) with { GpuCount = 1, GpuMemoryMiB = 0 }], coverage: 1.0).Waste;
        Assert.Equal(0.5, waste.SharingShare);
        Assert.Equal(150, waste[300]);
        Assert.Equal(200, waste[600]);
    }

    [Fact]
    public void A_mix_without_sharing_wastes_nothing()
    {
        var waste = WorkloadMix.FromRequests([Whole(2), Whole(1) with { GpuCount = 1, GpuMemoryMiB = 0 }, new(0, 0, 0, 4000, 8192, [])], coverage: 1.0).Waste;
        Assert.Equal(0, waste.SharingShare);
        Assert.All(Enumerable.Range(0, 1001), f => Assert.Equal(0, waste[f]));
    }

    [Fact]
    public void Host_aware_fragment_counts_a_fitting_card_net_of_its_leftover_waste()
    {
        var n = Node("n", gpus: 1);
        Use(n, 0, 300);   // 700 free: a 500 task fits and leaves 200 that no 500 task fills
        var waste = WorkloadMix.FromRequests([Slice(500)]).Waste;
        Assert.Equal(0, FragmentationMeasure.HostAwareFragment(n, Slice(500)));
        Assert.Equal(200, FragmentationMeasure.HostAwareFragment(n, Slice(500), waste));
    }

    [Fact]
    public void A_card_whose_leftover_is_lost_anyway_takes_the_task_and_keeps_the_idle_card_whole()
    {
        // x: an idle card. y: 800 free, of which a 500 task leaves 300 that no 500 task fills; that 300 is lost either way.
        var x = Node("x", gpus: 1);
        var y = Node("y", gpus: 1);
        Use(y, 0, 200);
        var mix = WorkloadMix.FromRequests([Slice(500)]);

        // FGD's view: y stays usable only if untouched, so the task breaks the idle card.
        var fgdLike = new FragmentationAwarePolicy(mix, NotCounting);
        Assert.Equal("x", fgdLike.Choose(Of(x, y), Slice(500))!.Node.Id);

        Assert.True(FragmentationScoring.Orion.CountsLeftoverWaste);
        var orion = new FragmentationAwarePolicy(mix);
        Assert.Equal("y", orion.Choose(Of(x, y), Slice(500))!.Node.Id);
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(2000, 100)]
    public void A_learning_policy_builds_the_table_after_its_first_arrivals_or_its_whole_window_if_shorter(int window, int builtAfter)
    {
        var view = Of(Node("n", gpus: 2));
        // The product's rule: after its first 100 arrivals, or its whole window if that is shorter.
        var policy = new FragmentationAwarePolicy(window);
        for (var i = 0; i < builtAfter - 1; i++)
        {
            policy.Observe(Slice(500));
            policy.Choose(view, Slice(500));
            Assert.Null(policy.Waste);
        }

        policy.Observe(Slice(500));
        policy.Choose(view, Slice(500));
        Assert.Equal(200, policy.Waste![700]);
        Assert.Equal(1, policy.WasteRebuilds);
    }
}
