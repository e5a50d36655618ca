using Orion.Benchmarks.Trace;

namespace Orion.Tests.Trace;

public sealed class OfflinePackingTests
{
    private static OfflinePacking Of(params int[] pods)
    {
        var packing = new OfflinePacking();
        foreach (var milli in pods)
        {
            packing.Add(milli);
        }

        return packing;
    }

    [Fact]
    public void Each_pod_goes_to_the_card_it_leaves_least_free_largest_first()
    {
        // 810 | 650 | 470, then 470 → 470's card (60 left), 320 → 650's (30), 160 → 810's (30).
        Assert.Equal(60 + 30 + 30, Of(160, 470, 320, 810, 470, 650).Waste());

        // 600 | 450; 400 fits both cards and takes the 600's (0 left rather than 150).
        Assert.Equal(550, Of(450, 400, 600).Waste());
    }

    [Fact]
    public void Pods_that_fill_cards_exactly_leave_nothing_and_whole_cards_or_cpu_only_pods_do_not_count()
    {
        Assert.Equal(0, Of(500, 500, 250, 250, 250, 250).Waste());
        Assert.Equal(0, Of(1000, 1000, 0).Waste());
        Assert.Equal(0, Of().Waste());
        Assert.Equal(3 * 190, Of(810, 810, 810, 1000).Waste());
    }
}
