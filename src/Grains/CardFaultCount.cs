namespace Orion.Grains;

/// <summary>
/// How often each card broke lately: a card that breaks <c>limit</c> times within <c>window</c> is flapping (it comes back
/// after a reset and breaks again), and work placed on it between faults is lost each time. Pure; the node grain keeps
/// one in memory (a new activation counts afresh).
/// </summary>
/// <param name="limit">Faults within the window that make a card flapping; 0: never.</param>
/// <param name="window">How far back faults count.</param>
public sealed class CardFaultCount(int limit, TimeSpan window)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> faults = new(StringComparer.Ordinal);

    /// <summary>Counts a fault of <paramref name="gpuId"/> at <paramref name="now"/>; true when it is the limit-th within the window.</summary>
    public bool Faulted(string gpuId, DateTimeOffset now)
    {
        if (limit <= 0)
        {
            return false;
        }

        if (!faults.TryGetValue(gpuId, out var times))
        {
            faults[gpuId] = times = new Queue<DateTimeOffset>();
        }

        times.Enqueue(now);
        while (times.TryPeek(out var oldest) && now - oldest > window)
        {
            times.Dequeue();
        }

        return times.Count >= limit;
    }
}
