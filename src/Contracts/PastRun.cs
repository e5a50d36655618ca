using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A run of a task that has let go of its capacity (<see cref="VGpuTaskStatus.PastRuns"/>): where, when, and why it ended.</summary>
/// <param name="Generation">The generation it ran under: its log is kept under it (<c>orion logs TASK --generation N</c>).</param>
/// <param name="NodeId">The node it ran on.</param>
/// <param name="GpuIds">Its cards there.</param>
/// <param name="PlacedAt">When its capacity was reserved.</param>
/// <param name="StartedAt">When its daemon started it; null when it never started.</param>
/// <param name="EndedAt">When it let go of its capacity.</param>
/// <param name="Reason">Why: the task's exit reason then (an exit code, an eviction, a lost node); null when none was given.</param>
[GenerateSerializer, Alias("orion.PastRun"), Immutable]
public sealed record PastRun(
    [property: Id(0)] long Generation,
    [property: Id(1)] string NodeId,
    [property: Id(2)] ImmutableArray<string> GpuIds,
    [property: Id(3)] DateTimeOffset PlacedAt,
    [property: Id(4)] DateTimeOffset? StartedAt,
    [property: Id(5)] DateTimeOffset EndedAt,
    [property: Id(6)] string? Reason)
{
    /// <summary>How many of a task's runs its status keeps, the newest.</summary>
    public const int Kept = 10;
}
