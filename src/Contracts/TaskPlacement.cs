using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>Where a task was placed.</summary>
/// <param name="NodeId">The node's id (<c>dc/node</c>).</param>
/// <param name="DataCenter">The node's data centre.</param>
/// <param name="GpuIds">The cards it runs on (<c>dc/node/index</c>).</param>
/// <param name="ComputeMilli">Compute per card, in thousandths of a card.</param>
/// <param name="GpuMemoryMiB">GPU memory per card in MiB.</param>
[GenerateSerializer, Alias("orion.TaskPlacement"), Immutable]
public sealed record TaskPlacement(
    [property: Id(0)] string NodeId,
    [property: Id(1)] string DataCenter,
    [property: Id(2)] ImmutableArray<string> GpuIds,
    [property: Id(3)] int ComputeMilli,
    [property: Id(4)] long GpuMemoryMiB)
{
    [Id(5)]
    private readonly ImmutableArray<string> gang;

    /// <summary>
    /// What it holds over <paramref name="held"/>: compute in card-seconds (its share of each card, over every card) and GPU
    /// memory in MiB-seconds; nothing for a span that is not positive.
    /// </summary>
    public (double CardSeconds, double MemoryMiBSeconds) Held(TimeSpan held)
    {
        var seconds = Math.Max(0, held.TotalSeconds);
        var cards = GpuIds.Length;
        return (ComputeMilli / 1000.0 * cards * seconds, (double)GpuMemoryMiB * cards * seconds);
    }

    /// <summary>A gang member's rank and where its gang meets (rank 0's node and port), set when its gang was placed whole; null otherwise.</summary>
    [Id(6)]
    public GangRendezvous? Rendezvous { get; init; }

    /// <summary>The other members of its gang placed with it (empty when placed alone): a member that fails or is cancelled ends them too.</summary>
    public ImmutableArray<string> Gang
    {
        // Empty, never default, also for a placement stored before gangs (JSON and LINQ cannot take a default array).
        get => gang.IsDefault ? [] : gang;
        init => gang = value;
    }
}
