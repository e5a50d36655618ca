using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>The answer to a demand transition, sent once the card's arbitration has been carried out and acked.</summary>
/// <param name="Busy">The demand state now in force.</param>
/// <param name="Paused">Tasks the transition paused (idle→busy) or resumed (busy→idle).</param>
/// <param name="Applied">False when the transition was stale (an older sequence) and changed nothing.</param>
/// <param name="MemoryPending">Busy, but some of the task's memory is still on host RAM: it comes back in the card's
/// next memory pass (<c>IGpuGrain.WhenResident</c> says when).</param>
[GenerateSerializer, Alias("orion.DemandAck"), Immutable]
public sealed record DemandAck(
    [property: Id(0)] bool Busy,
    [property: Id(1)] ImmutableArray<string> Paused,
    [property: Id(2)] bool Applied,
    [property: Id(3)] bool MemoryPending = false);
