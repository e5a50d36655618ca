namespace Orion.Contracts;

/// <summary>A reservation's answer, with the owner's fresh view so a refused scheduler can refresh its index.</summary>
/// <param name="Accepted">True when the capacity is now held for the task.</param>
/// <param name="Reason">Why it was refused.</param>
/// <param name="Node">The node's snapshot after the decision.</param>
[GenerateSerializer, Alias("orion.ReservationResult"), Immutable]
public sealed record ReservationResult(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Reason,
    [property: Id(2)] NodeSnapshot Node);
