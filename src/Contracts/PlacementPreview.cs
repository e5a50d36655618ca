using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>What a data centre's scheduler would do with a task now, were it submitted (<see cref="ISchedulerGrain.Preview"/>).</summary>
/// <param name="DataCenter">The data centre asked.</param>
/// <param name="NodeId">The node its policy would choose now; null when none takes it now.</param>
/// <param name="GpuIds">The cards it would have there; empty when none.</param>
/// <param name="Explanation">Node by node, what takes it and the first rule each other node breaks, as a waiting task hears it.</param>
/// <param name="Queued">Tasks queued there now: those before it in priority and arrival are placed first when they fit.</param>
[GenerateSerializer, Alias("orion.PlacementPreview"), Immutable]
public sealed record PlacementPreview(
    [property: Id(0)] string DataCenter,
    [property: Id(1)] string? NodeId,
    [property: Id(2)] ImmutableArray<string> GpuIds,
    [property: Id(3)] string Explanation,
    [property: Id(4)] int Queued);
