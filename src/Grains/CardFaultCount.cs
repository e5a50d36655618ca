using System.Collections.Immutable;

namespace Orion.Grains;

/// <summary>
/// How often a card broke lately: a card that breaks <c>limit</c> times within <c>window</c> is flapping (it comes back
/// after a reset and breaks again), and work placed on it between faults is lost each time. Pure; the node grain keeps
/// each card's recent faults with what operators set on it, so the count outlives the node grain's activation.
/// </summary>
public static class CardFaultCount
{
    /// <summary>
    /// Counts a fault at <paramref name="now"/> after the card's <paramref name="earlier"/> ones: the faults still within
    /// <paramref name="window"/> (to keep), and whether this is the <paramref name="limit"/>-th of them (0: never).
    /// </summary>
    public static (ImmutableArray<DateTimeOffset> Kept, bool Flapping) Count(ImmutableArray<DateTimeOffset> earlier, DateTimeOffset now, int limit, TimeSpan window)
    {
        var kept = (earlier.IsDefault ? [] : earlier).Where(t => now - t <= window).Append(now).Order().ToImmutableArray();
        return (kept, limit > 0 && kept.Length >= limit);
    }
}
