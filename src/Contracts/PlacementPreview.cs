using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>What a data centre's scheduler would do with a task now, were it submitted (<see cref="ISchedulerGrain.Preview"/>).</summary>
/// <param name="DataCenter">The data centre asked.</param>
/// <param name="NodeId">The node its policy would choose now; null when none takes it now.</param>
/// <param name="GpuIds">The cards it would have there; empty when none.</param>
/// <param name="Explanation">
/// Node by node, what takes it and the first rule each other node breaks, as a waiting task hears it; for several tasks of
/// which only some would be placed, as the nodes would stand once those were.
/// </param>
/// <param name="Queued">Tasks queued there now: those before it in priority and arrival are placed first when they fit.</param>
/// <param name="Members">
/// For several tasks of the spec (<see cref="ISchedulerGrain.Preview"/>'s count): the node each that would be placed now
/// goes to, in order (a gang's: all or none). For one task, its node alone, or none.
/// </param>
[GenerateSerializer, Alias("orion.PlacementPreview"), Immutable]
public sealed record PlacementPreview(
    [property: Id(0)] string DataCenter,
    [property: Id(1)] string? NodeId,
    [property: Id(2)] ImmutableArray<string> GpuIds,
    [property: Id(3)] string Explanation,
    [property: Id(4)] int Queued,
    [property: Id(5)] ImmutableArray<string> Members = default)
{
    /// <summary>The most tasks of one spec a preview places (a job array's size at most).</summary>
    public const int MaxTasks = 10_000;

    /// <summary>How many of the tasks previewed would be placed now.</summary>
    public int Fits => Members.IsDefault ? (NodeId is null ? 0 : 1) : Members.Length;
}
