namespace Orion.Grains.Access;

/// <summary>
/// A rate with bursts: up to <paramref name="burst"/> at once after a quiet spell, then <paramref name="perSecond"/> a
/// second. Counts those refused, so the next one let in can say how many were.
/// </summary>
public sealed class TokenBucket(TimeProvider clock, double perSecond, int burst)
{
    private readonly Lock gate = new();
    private double tokens = burst;
    private long last = clock.GetTimestamp();
    private int refused;

    /// <summary>The rate, per second.</summary>
    public double PerSecond => perSecond;

    /// <summary>Whether one more is let in now; when it is, how many were refused since the last that was.</summary>
    public bool TryTake(out int refusedBefore)
    {
        lock (gate)
        {
            var now = clock.GetTimestamp();
            tokens = Math.Min(burst, tokens + (clock.GetElapsedTime(last, now).TotalSeconds * perSecond));
            last = now;
            if (tokens < 1)
            {
                refused++;
                refusedBefore = 0;
                return false;
            }

            tokens--;
            refusedBefore = refused;
            refused = 0;
            return true;
        }
    }
}
