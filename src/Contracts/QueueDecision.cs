namespace Orion.Contracts;

/// <summary>
/// What a scheduler decided for a task it was given: placed here (<paramref name="Placement"/>), placed in another data
/// centre (<paramref name="PlacedElsewhere"/>), queued, or, for a task that asked to fail rather than wait
/// (<see cref="PlacementConstraints.FailIfUnplaceable"/>), unplaceable: it left the queue and the task fails with
/// <paramref name="Reason"/>. A placed task also hears of its placement by <see cref="IVGpuTaskGrain.OnPlaced"/>.
/// </summary>
/// <param name="Unplaceable">True when nothing in the pool takes the task and it asked to fail then.</param>
/// <param name="Reason">Why it was unplaceable; empty otherwise.</param>
/// <param name="Placement">Where this scheduler placed it in this call; null otherwise.</param>
/// <param name="PlacedElsewhere">True when another data centre placed it (its scheduler sends the placement).</param>
/// <param name="Epoch">Which activation of the scheduler answered (see <see cref="ISchedulerGrain.Keep"/>); 0 from an older build.</param>
[GenerateSerializer, Alias("orion.QueueDecision"), Immutable]
public sealed record QueueDecision(
    [property: Id(0)] bool Unplaceable,
    [property: Id(1)] string Reason = "",
    [property: Id(2)] TaskPlacement? Placement = null,
    [property: Id(3)] bool PlacedElsewhere = false,
    [property: Id(4)] long Epoch = 0)
{
    /// <summary>Nothing to do (a newer generation is queued); from a scheduler of an older build: placed or queued.</summary>
    public static readonly QueueDecision Taken = new(false);

    /// <summary>Queued by the scheduler activation <paramref name="epoch"/>.</summary>
    public static QueueDecision Queued(long epoch) => new(false, Epoch: epoch);

    /// <summary>Placed in another data centre.</summary>
    public static readonly QueueDecision Elsewhere = new(false, PlacedElsewhere: true);

    /// <summary>Placed here, on <paramref name="placement"/>.</summary>
    public static QueueDecision PlacedOn(TaskPlacement placement) => new(false, Placement: placement);
}
