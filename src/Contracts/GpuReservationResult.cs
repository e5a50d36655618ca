namespace Orion.Contracts;

/// <summary>A card's answer to a reservation.</summary>
/// <param name="Accepted">True when the slice is now held.</param>
/// <param name="Reason">Why it was refused.</param>
/// <param name="Gpu">The card's snapshot after the decision.</param>
[GenerateSerializer, Alias("orion.GpuReservationResult"), Immutable]
public sealed record GpuReservationResult(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Reason,
    [property: Id(2)] GpuSnapshot Gpu);
