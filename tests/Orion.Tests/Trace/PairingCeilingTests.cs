using Orion.Benchmarks.Trace;

namespace Orion.Tests.Trace;

public sealed class PairingCeilingTests
{
    private static PairingCeiling Of(params (int Milli, int Count)[] pods)
    {
        var ceiling = new PairingCeiling();
        foreach (var (milli, count) in pods)
        {
            for (var i = 0; i < count; i++)
            {
                ceiling.Add(milli);
            }
        }

        return ceiling;
    }

    [Fact]
    public void A_pod_over_half_a_card_that_nothing_can_join_leaves_its_rest_idle()
    {
        // 810s leave 190 each; 470s are too large to join them.
        Assert.Equal(10 * 190, Of((810, 10), (470, 4)).IdleBound());
        Assert.Equal(81.0, Of((810, 10)).Percent(10_000), 9);
    }

    [Fact]
    public void Small_pods_that_can_fill_the_rests_lower_the_bound_by_their_size()
    {
        Assert.Equal(10 * 190 - 3 * 160, Of((810, 10), (160, 3)).IdleBound());
        Assert.Equal(0, Of((810, 10), (190, 10)).IdleBound());
        Assert.Equal(0, Of((810, 2), (190, 5)).IdleBound());
    }

    [Fact]
    public void The_bound_takes_the_threshold_that_strands_the_most()
    {
        // At t = 191 (810s): 1900 − 0. At t = 301 (700s too): 1900 + 900 − 3 × 250 = 2050. Larger t adds nothing more.
        Assert.Equal(2050, Of((810, 10), (700, 3), (250, 3)).IdleBound());
    }

    [Fact]
    public void Whole_cards_half_cards_and_cpu_only_pods_leave_no_bound()
    {
        Assert.Equal(0, Of((1000, 5), (500, 7), (0, 3)).IdleBound());
        Assert.Equal(100.0, Of((1000, 5)).Percent(5_000), 9);
    }
}
