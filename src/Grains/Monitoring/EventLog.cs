using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Monitoring;

/// <summary>A bounded, numbered log of pool events: the oldest fall off so the feed's memory stays fixed.</summary>
/// <param name="firstAfter">
/// The number before the first event: a feed started again numbers on from above what its last life gave (its clock in
/// microseconds), so a reader following by sequence sees a gap rather than waiting for old numbers to come round.
/// </param>
public sealed class EventLog(int capacity, long firstAfter = 0)
{
    private readonly Queue<PoolEvent> events = new();

    /// <summary>The sequence of the newest event (<c>firstAfter</c> when none yet).</summary>
    public long Last { get; private set; } = firstAfter;

    public PoolEvent Add(DateTimeOffset at, string kind, string taskId, string where, string detail, long bytes)
    {
        var e = new PoolEvent(++Last, at, kind, taskId, where, detail, bytes);
        events.Enqueue(e);
        while (events.Count > Math.Max(1, capacity))
        {
            events.Dequeue();
        }

        return e;
    }

    /// <summary>Events after <paramref name="afterSequence"/>, oldest first; the newest <paramref name="max"/> when more.</summary>
    public ImmutableArray<PoolEvent> Since(long afterSequence, int max)
    {
        var newer = events.Where(e => e.Sequence > afterSequence).ToList();
        return [.. newer.Skip(Math.Max(0, newer.Count - Math.Max(0, max)))];
    }
}
