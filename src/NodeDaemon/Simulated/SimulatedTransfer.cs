using Orion.Contracts;

namespace Orion.NodeDaemon.Simulated;

/// <summary>
/// A memory move in flight: pages of one process, one way, over each of its cards' host links in turn with the moves
/// queued before it there; it ends when the last card's share has crossed.
/// </summary>
internal sealed class SimulatedTransfer(SimulatedProcess process, bool toHost, long pages, DateTimeOffset requestedAt)
{
    public SimulatedProcess Process { get; } = process;

    public bool ToHost { get; } = toHost;

    public long Pages { get; } = pages;

    public DateTimeOffset RequestedAt { get; } = requestedAt;

    /// <summary>When the move ends: the latest of its cards' spans (moved earlier when a move queued before it is dropped).</summary>
    public DateTimeOffset EndsAt { get; private set; } = requestedAt;

    /// <summary>On each of the process's cards (same order), when its pages start and stop crossing that card's link.</summary>
    public (DateTimeOffset Start, DateTimeOffset End)[] Spans { get; } = new (DateTimeOffset, DateTimeOffset)[process.Cards.Length];

    /// <summary>Queues the move on each card's link from <paramref name="now"/>; a span already under way keeps its times.</summary>
    public void Schedule(DateTimeOffset now, long pageSizeMiB)
    {
        EndsAt = now;
        for (var i = 0; i < Spans.Length; i++)
        {
            var card = Process.Cards[i];
            if (Spans[i].End == default || Spans[i].Start > now)
            {
                var start = card.LinkFreeAt > now ? card.LinkFreeAt : now;
                var ms = Pages * pageSizeMiB * 1024.0 * 1024.0 / card.LinkBytesPerMs;
                Spans[i] = (start, start + TimeSpan.FromTicks((long)Math.Ceiling(ms * TimeSpan.TicksPerMillisecond)));
            }

            card.LinkFreeAt = Spans[i].End > card.LinkFreeAt ? Spans[i].End : card.LinkFreeAt;
            EndsAt = Spans[i].End > EndsAt ? Spans[i].End : EndsAt;
        }
    }

    public TaskCompletionSource<SwapResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
