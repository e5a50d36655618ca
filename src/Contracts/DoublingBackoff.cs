namespace Orion.Contracts;

/// <summary>A wait that doubles from a first one up to a longest one: for commands, restarts and replacements that keep failing.</summary>
public static class DoublingBackoff
{
    /// <summary>The wait after <paramref name="failures"/> failures in a row: <paramref name="first"/> × 2^(failures − 1), at most <paramref name="longest"/>; none before a failure.</summary>
    public static TimeSpan After(TimeSpan first, TimeSpan longest, int failures)
    {
        if (failures < 1 || first <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Doubling past 2^20 only overflows: the cap has long been reached.
        var shift = Math.Min(failures - 1, 20);
        return first.Ticks > longest.Ticks >> shift ? longest : TimeSpan.FromTicks(first.Ticks << shift);
    }
}
