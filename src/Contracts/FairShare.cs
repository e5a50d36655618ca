namespace Orion.Contracts;

/// <summary>
/// How much of the cards a tenant holds, for fair sharing between tenants (DRF's dominant share), and how much it held
/// in the past, time-decayed, when fair sharing counts usage history (<see cref="PoolSettings.FairShareHalfLife"/>).
/// </summary>
public static class FairShare
{
    /// <summary>The shortest half-life usage history may have.</summary>
    public static readonly TimeSpan MinHalfLife = TimeSpan.FromHours(1);

    /// <summary>The longest half-life usage history may have (4 of them are read: 120 days).</summary>
    public static readonly TimeSpan MaxHalfLife = TimeSpan.FromDays(30);

    /// <summary>The half-life rule, as errors say it.</summary>
    public const string HalfLifeRule = "must be 0 (off: only what tenants hold now counts) or from 1h to 30d";

    // What lies further back than this many half-lives weighs less than 1/16, and is not read.
    private const int HalfLivesRead = 4;

    /// <summary>The larger of a tenant's share of the cards' compute and of their memory (0 where a capacity is 0).</summary>
    public static double DominantShare(long computeMilli, long memoryMiB, long computeCapacityMilli, long memoryCapacityMiB) =>
        Math.Max(computeCapacityMilli > 0 ? (double)computeMilli / computeCapacityMilli : 0, memoryCapacityMiB > 0 ? (double)memoryMiB / memoryCapacityMiB : 0);

    /// <summary>Whether <paramref name="halfLife"/> keeps <see cref="HalfLifeRule"/> (zero: off).</summary>
    public static bool IsHalfLife(TimeSpan halfLife) => halfLife == TimeSpan.Zero || (halfLife >= MinHalfLife && halfLife <= MaxHalfLife);

    /// <summary>The first UTC day whose usage counts at <paramref name="now"/>: four half-lives back.</summary>
    public static DateOnly HistoryStart(DateTimeOffset now, TimeSpan halfLife) =>
        DateOnly.FromDateTime((now - (HalfLivesRead * halfLife)).UtcDateTime);

    /// <summary>
    /// The tenant's dominant share of the cards over the past, time-decayed: what it held each day (<paramref name="days"/>,
    /// spread evenly over the day's hours up to <paramref name="now"/>), each moment weighing half as much per
    /// <paramref name="halfLife"/> of age, over what the cards (<paramref name="computeCapacityMilli"/>,
    /// <paramref name="memoryCapacityMiB"/>) could have held, decayed alike, from <see cref="HistoryStart"/> to now. A tenant
    /// that held a quarter of the cards all along has 0.25; one that held them all a half-life ago and nothing since, about
    /// half what holding them until now would give. 0 without history or capacity.
    /// </summary>
    public static double PastShare(
        IEnumerable<UsageDay> days, DateTimeOffset now, TimeSpan halfLife, long computeCapacityMilli, long memoryCapacityMiB)
    {
        if (halfLife <= TimeSpan.Zero || (computeCapacityMilli <= 0 && memoryCapacityMiB <= 0))
        {
            return 0;
        }

        var start = new DateTimeOffset(HistoryStart(now, halfLife).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        double cardSeconds = 0, memoryMiBSeconds = 0;
        foreach (var day in days)
        {
            var from = new DateTimeOffset(day.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var to = from.AddDays(1) < now ? from.AddDays(1) : now;
            if (from < start || to <= from)
            {
                continue;
            }

            // The mean weight over the day's span: its usage is spread evenly over it.
            var weight = Decayed(now - to, now - from, halfLife) / (to - from).TotalSeconds;
            cardSeconds += day.CardSeconds * weight;
            memoryMiBSeconds += day.MemoryMiBSeconds * weight;
        }

        var span = Decayed(TimeSpan.Zero, now - start, halfLife);
        return span <= 0 ? 0 : Math.Max(
            computeCapacityMilli > 0 ? cardSeconds * 1000 / (computeCapacityMilli * span) : 0,
            memoryCapacityMiB > 0 ? memoryMiBSeconds / (memoryCapacityMiB * span) : 0);
    }

    // ∫ 2^(-age/halfLife) d(age) from newest to oldest, in seconds.
    private static double Decayed(TimeSpan newest, TimeSpan oldest, TimeSpan halfLife)
    {
        var h = halfLife.TotalSeconds;
        return h / Math.Log(2) * (Math.Pow(2, -newest.TotalSeconds / h) - Math.Pow(2, -oldest.TotalSeconds / h));
    }
}
