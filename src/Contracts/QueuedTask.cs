namespace Orion.Contracts;

/// <summary>A task waiting in a scheduler's queue.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">The placement generation this entry is for.</param>
/// <param name="Spec">Its spec.</param>
/// <param name="SubmittedAt">Arrival time; ties in priority go to the earlier one.</param>
/// <param name="Borrowed">It runs on borrowed room beyond its tenant's quota: placed after every task that does not, and evicted for them.</param>
/// <param name="GangWaits">A gang's member that is placed only with its whole gang (<see cref="VGpuTaskStatus.GangWaits"/>).</param>
[GenerateSerializer, Alias("orion.QueuedTask"), Immutable]
public sealed record QueuedTask(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation,
    [property: Id(2)] TaskSpec Spec,
    [property: Id(3)] DateTimeOffset SubmittedAt,
    [property: Id(4)] bool Borrowed = false,
    [property: Id(5)] bool GangWaits = false);
