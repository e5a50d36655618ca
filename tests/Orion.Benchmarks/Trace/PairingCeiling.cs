namespace Orion.Benchmarks.Trace;

/// <summary>
/// A ceiling on allocation, whatever the placement, from the sharing pods placed so far. A one-card pod of more than half
/// a card owns its card among such pods; the card's rest, 1000 − a, only pods of at most that size can fill. So for any
/// t ≤ 500 the cards of pods larger than 1000 − t keep Σ(1000 − a) milli that only pods smaller than t can use, and
/// idle ≥ Σ_{a > 1000 − t}(1000 − a) − Σ_{s &lt; t} s. The ceiling takes the largest such bound over t (cards of 1000
/// milli, no oversubscription, as in the trace replay).
/// </summary>
public sealed class PairingCeiling
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

    /// <summary>The least idle GPU (milli) that any placement of the counted pods leaves on their cards.</summary>
    public long IdleBound()
    {
        // Both sums grow with t: the large side by the pods of size 1000 − t + 1, the small side by those of size t − 1.
        long bound = 0, large = 0, small = 0;
        for (var t = 1; t <= Card / 2; t++)
        {
            var a = Card - t + 1;
            if (a < Card)
            {
                large += counts[a] * (Card - a);
            }

            small += counts[t - 1] * (t - 1);
            bound = Math.Max(bound, large - small);
        }

        return bound;
    }

    /// <summary>The highest allocation (%) of <paramref name="capacityMilli"/> that the counted pods allow.</summary>
    public double Percent(long capacityMilli) => 100.0 * (capacityMilli - IdleBound()) / capacityMilli;
}
