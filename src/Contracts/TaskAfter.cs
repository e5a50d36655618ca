namespace Orion.Contracts;

/// <summary>The rule for a task named in <see cref="TaskSpec.After"/>, as a submit and a dry run both apply it. Pure.</summary>
public static class TaskAfter
{
    /// <summary>
    /// Why a task may not run after <paramref name="id"/>, as it stands (<paramref name="awaited"/>, null when there is no
    /// such task): it must exist, and must not have failed or been cancelled (the task would never run). Null when it may.
    /// </summary>
    public static string? Refusal(string id, VGpuTaskStatus? awaited) => awaited switch
    {
        null => $"no task '{id}' (a task runs after tasks already submitted)",
        { State: TaskState.Failed or TaskState.Cancelled } => $"'{id}' {awaited.State.ToString().ToLowerInvariant()}, so this task would never run",
        _ => null,
    };
}
