namespace Orion.Contracts;

/// <summary>Something the pool did that an operator wants to see in the feed: a placement, a preemption, a swap.</summary>
/// <param name="Sequence">Position in the feed; grows by one per event, and jumps past the old numbers when the feed starts again.</param>
/// <param name="At">When the feed received it (Orion clock).</param>
/// <param name="Kind">One of <see cref="PoolEventKinds"/>.</param>
/// <param name="TaskId">The task it concerns.</param>
/// <param name="Where">The node or card (<c>dc/node</c> or <c>dc/node/index</c>).</param>
/// <param name="Detail">A short human-readable line.</param>
/// <param name="Bytes">Bytes moved, for swaps.</param>
[GenerateSerializer, Alias("orion.PoolEvent"), Immutable]
public sealed record PoolEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] string TaskId,
    [property: Id(4)] string Where,
    [property: Id(5)] string Detail,
    [property: Id(6)] long Bytes = 0)
{
    /// <summary>How many of the newest events the feed keeps (in memory; a new activation starts empty).</summary>
    public const int FeedCapacity = 500;
}
