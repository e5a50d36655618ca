namespace Orion.Contracts;

/// <summary>
/// What a scheduler decided for a task it was given: placed or queued (the task hears of a placement by itself), or,
/// for a task that asked to fail rather than wait (<see cref="PlacementConstraints.FailIfUnplaceable"/>), unplaceable:
/// it left the queue and the task fails with <paramref name="Reason"/>.
/// </summary>
/// <param name="Unplaceable">True when nothing in the pool takes the task and it asked to fail then.</param>
/// <param name="Reason">Why it was unplaceable; empty otherwise.</param>
[GenerateSerializer, Alias("orion.QueueDecision"), Immutable]
public sealed record QueueDecision(
    [property: Id(0)] bool Unplaceable,
    [property: Id(1)] string Reason = "")
{
    /// <summary>Placed or queued.</summary>
    public static readonly QueueDecision Taken = new(false);
}
