namespace Orion.Grains.Scheduling;

/// <summary>
/// The compute a card's free share is expected to waste under a task mix, by free milli (0–1000): a card with
/// F free takes the next GPU task of the mix if it fits and is then worth what its new leftover is worth; a task that
/// does not fit ends it, and F is lost (FGD's one-step view of a card, Weng et al., ATC'23, applied to the leftover
/// again). Weighted by the share of GPU tasks that share cards: only they ever use a card's leftover, and a mix of
/// whole-card tasks leaves none.
/// </summary>
/// <remarks>
/// FGD counts a card a shape fits as wholly usable by it; with this table the fragmentation measure counts it net of
/// what the shape would leave behind, so a placement whose leftover nothing in the mix fills scores as the waste it is.
/// </remarks>
public sealed class LeftoverWaste
{
    /// <summary>A whole card's compute in milli: what a whole-card task takes, and the length the table is first built to.</summary>
    public const int CardMilli = 1000;

    // The GPU tasks' per-card compute and its share of them, by compute: all the table depends on.
    private readonly SortedDictionary<int, double> demand;
    private readonly (int Milli, double Share)[] steps;
    private readonly object growing = new();

    // Expected waste by free milli; grown on demand past a card (oversubscribed cards offer more than 1000 milli).
    private double[] expected = [0];
    private int[] table = [0];

    private LeftoverWaste(SortedDictionary<int, double> demand, double sharingShare)
    {
        this.demand = demand;
        steps = [.. demand.Select(kv => (kv.Key, kv.Value))];
        SharingShare = sharingShare;
        Grow(CardMilli);
    }

    /// <summary>The share of the mix's GPU tasks that take part of a card (the weight the recursion gets).</summary>
    public double SharingShare { get; }

    /// <summary>Expected waste, in whole milli, of a card with <paramref name="freeMilli"/> free.</summary>
    public int this[int freeMilli]
    {
        get
        {
            if (freeMilli <= 0)
            {
                return 0;
            }

            var t = Volatile.Read(ref table);
            return freeMilli < t.Length ? t[freeMilli] : Grow(freeMilli)[freeMilli];
        }
    }

    /// <summary>
    /// Total variation distance between the per-card compute demands the two tables were built from. Tasks of one
    /// compute share but other CPU or memory are one demand here, so this moves far less than the mixes' own distance.
    /// </summary>
    public double DistanceTo(LeftoverWaste other)
    {
        double moved = 0;
        foreach (var (milli, share) in demand)
        {
            moved += Math.Abs(share - other.demand.GetValueOrDefault(milli));
        }

        foreach (var (milli, share) in other.demand)
        {
            if (!demand.ContainsKey(milli))
            {
                moved += share;
            }
        }

        return moved / 2;
    }

    /// <summary>The table for a mix; tasks without GPU do not touch a card, and a multi-card task takes whole cards.</summary>
    public static LeftoverWaste Of(WorkloadMix mix)
    {
        var demand = new SortedDictionary<int, double>();
        double total = 0;
        foreach (var (shape, weight) in mix.ShapeArray)
        {
            if (shape.GpuCount == 0)
            {
                continue;
            }

            var m = shape.GpuCount > 1 ? CardMilli : Math.Clamp(shape.ComputeMilli, 1, CardMilli);
            demand[m] = demand.GetValueOrDefault(m) + weight;
            total += weight;
        }

        foreach (var m in demand.Keys.ToArray())
        {
            demand[m] /= total;
        }

        var share = total <= 0 ? 0 : 1 - demand.GetValueOrDefault(CardMilli);
        return new LeftoverWaste(demand, share);
    }

    /// <summary>Extends the table to at least <paramref name="freeMilli"/>; each entry depends only on smaller ones.</summary>
    private int[] Grow(int freeMilli)
    {
        lock (growing)
        {
            if (freeMilli < table.Length)
            {
                return table;
            }

            var size = Math.Max(freeMilli + 1, table.Length * 2);
            var e = new double[size];
            var t = new int[size];
            Array.Copy(expected, e, expected.Length);
            Array.Copy(table, t, table.Length);
            for (var f = expected.Length; f < size && steps.Length > 0; f++)
            {
                double sum = 0;
                foreach (var (m, p) in steps)
                {
                    sum += p * (m <= f ? e[f - m] : f);
                }

                e[f] = sum;
                t[f] = (int)Math.Round(SharingShare * sum);
            }

            expected = e;
            Volatile.Write(ref table, t);
            return t;
        }
    }
}
