namespace Orion.Benchmarks.Trace;

/// <summary>
/// What the sharing pods placed so far would leave idle on their cards if they had all been known at once: best-fit
/// decreasing (largest pod first, each into the card it leaves least free, a new card when none fits) over cards of
/// 1000 milli. Not a bound (best fit is not always optimal, and another policy places another set of pods), but the
/// yardstick for how much of a policy's crumbs come from deciding online rather than from the pods' sizes.
/// </summary>
public sealed class OfflinePacking
{
    private const int Card = 1000;
    private readonly long[] counts = new long[Card];

    /// <summary>Counts a placed one-card pod asking <paramref name="milli"/> of its card (whole cards and CPU-only pods do not count).</summary>
    public void Add(int milli)
    {
        if (milli is > 0 and < Card)
        {
            counts[milli]++;
        }
    }

    /// <summary>The free milli left on the cards best-fit decreasing opens for the counted pods.</summary>
    public long Waste()
    {
        // Open cards by free milli: best fit is the smallest free amount that still holds the pod.
        var open = new long[Card + 1];
        for (var size = Card - 1; size > 0; size--)
        {
            for (var n = counts[size]; n > 0; n--)
            {
                var free = size;
                while (free < Card && open[free] == 0)
                {
                    free++;
                }

                open[free]--;
                open[free - size]++;
            }
        }

        long waste = 0;
        for (var free = 1; free < Card; free++)
        {
            waste += open[free] * free;
        }

        return waste;
    }
}
