namespace Orion.Grains.Access;

/// <summary>
/// How many access refusals a silo puts in the pool's feed: a burst of <see cref="Burst"/>, then <see cref="PerSecond"/>
/// a second (a token bucket), so a client hammering with a bad token cannot push every other event out of the feed's
/// newest 500. Those left out are counted into the next one let in. Every refusal is still logged and counted in metrics.
/// </summary>
public sealed class RefusalFeedLimit(TimeProvider clock, double perSecond = RefusalFeedLimit.PerSecond, int burst = RefusalFeedLimit.Burst)
{
    /// <summary>Refusals a second let into the feed once the burst is spent.</summary>
    public const double PerSecond = 2;

    /// <summary>Refusals let in at once after a quiet spell.</summary>
    public const int Burst = 20;

    private readonly Lock gate = new();
    private double tokens = burst;
    private long last = clock.GetTimestamp();
    private int leftOut;

    /// <summary>Whether this refusal goes into the feed; when it does, how many were left out since the last that did.</summary>
    public bool TryLetIn(out int leftOutBefore)
    {
        lock (gate)
        {
            var now = clock.GetTimestamp();
            tokens = Math.Min(burst, tokens + (clock.GetElapsedTime(last, now).TotalSeconds * perSecond));
            last = now;
            if (tokens < 1)
            {
                leftOut++;
                leftOutBefore = 0;
                return false;
            }

            tokens--;
            leftOutBefore = leftOut;
            leftOut = 0;
            return true;
        }
    }
}
