namespace Orion.Contracts;

/// <summary>A daemon's report that a task's process ended.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">The placement generation the process ran under.</param>
/// <param name="Succeeded">True when the work completed; false when it failed.</param>
/// <param name="Reason">What happened, in words.</param>
/// <param name="GpuMsDone">GPU milliseconds of work done on the reference card.</param>
/// <param name="At">When it ended, on the backend's clock.</param>
[GenerateSerializer, Alias("orion.TaskExit"), Immutable]
public sealed record TaskExit(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation,
    [property: Id(2)] bool Succeeded,
    [property: Id(3)] string Reason,
    [property: Id(4)] double GpuMsDone,
    [property: Id(5)] DateTimeOffset At);
