namespace Orion.Contracts;

/// <summary>A task's status as its grain knows it.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Spec">The spec it was submitted with.</param>
/// <param name="State">Its state.</param>
/// <param name="Placement">Where it runs or ran; null while pending.</param>
/// <param name="Generation">Placement attempt number; commands carry it so stale ones are ignored.</param>
/// <param name="SubmittedAt">When it was accepted.</param>
/// <param name="PlacedAt">When capacity was reserved for it.</param>
/// <param name="StartedAt">When the daemon reported it running.</param>
/// <param name="EndedAt">When it reached a terminal state.</param>
/// <param name="ExitReason">Why it ended, for terminal states.</param>
/// <param name="Version">Grows by one with every change; watchers use it.</param>
[GenerateSerializer, Alias("orion.VGpuTaskStatus"), Immutable]
public sealed record VGpuTaskStatus(
    [property: Id(0)] string TaskId,
    [property: Id(1)] TaskSpec Spec,
    [property: Id(2)] TaskState State,
    [property: Id(3)] TaskPlacement? Placement,
    [property: Id(4)] long Generation,
    [property: Id(5)] DateTimeOffset SubmittedAt,
    [property: Id(6)] DateTimeOffset? PlacedAt,
    [property: Id(7)] DateTimeOffset? StartedAt,
    [property: Id(8)] DateTimeOffset? EndedAt,
    [property: Id(9)] string? ExitReason,
    [property: Id(10)] long Version);
