namespace Orion.Contracts;

/// <summary>An event as a publisher hands it to the feed, which numbers and timestamps it (<see cref="PoolEvent"/>).</summary>
/// <param name="Kind">One of <see cref="PoolEventKinds"/>.</param>
/// <param name="TaskId">The task it concerns.</param>
/// <param name="Where">The node or card (<c>dc/node</c> or <c>dc/node/index</c>).</param>
/// <param name="Detail">A short human-readable line.</param>
/// <param name="Bytes">Bytes moved, for swaps.</param>
[GenerateSerializer, Alias("orion.PoolEventNote"), Immutable]
public sealed record PoolEventNote(
    [property: Id(0)] string Kind,
    [property: Id(1)] string TaskId,
    [property: Id(2)] string Where,
    [property: Id(3)] string Detail,
    [property: Id(4)] long Bytes = 0);
