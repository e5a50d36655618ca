namespace Orion.Grains.Deployments;

/// <summary>
/// A replica's counter as a deployment last read it, and the rate it made of it: the counter's increase per second
/// since the reading before, of the same run. Pure.
/// </summary>
/// <param name="Generation">The run it was read of: a new run's counter starts again.</param>
/// <param name="At">When it was read.</param>
/// <param name="Total">What the counter said.</param>
/// <param name="Rate">Its increase per second since the reading before; null for a first reading, or one after the counter went down.</param>
public readonly record struct CounterReading(long Generation, DateTimeOffset At, double Total, double? Rate)
{
    /// <summary>A rate over less time than this says more of when the looks fell than of the counter.</summary>
    public static readonly TimeSpan MinSpan = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The reading to keep after reading <paramref name="total"/> of run <paramref name="generation"/> at
    /// <paramref name="at"/>, following <paramref name="last"/>: a look again at once keeps the last (its rate holds),
    /// a counter that went down was restarted (its process) and is counted from this reading on.
    /// </summary>
    public static CounterReading Next(CounterReading? last, long generation, DateTimeOffset at, double total)
    {
        if (last is not { } before || before.Generation != generation)
        {
            return new(generation, at, total, null);
        }

        if (at - before.At < MinSpan)
        {
            return before;
        }

        return new(generation, at, total, total >= before.Total ? (total - before.Total) / (at - before.At).TotalSeconds : null);
    }
}
