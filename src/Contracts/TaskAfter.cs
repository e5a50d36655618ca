namespace Orion.Contracts;

/// <summary>The rules for the tasks named in <see cref="TaskSpec.After"/>, as a submit, a dry run and a blocked task apply them. Pure.</summary>
public static class TaskAfter
{
    /// <summary>
    /// Why a task may not run after <paramref name="id"/>, as it stands (<paramref name="awaited"/>, null when there is no
    /// such task): it must exist, and must not have ended in a way that <paramref name="condition"/> can never accept (the
    /// task would never run). Null when it may.
    /// </summary>
    public static string? Refusal(string id, VGpuTaskStatus? awaited, AfterCondition condition = AfterCondition.Completed) => awaited switch
    {
        null => $"no task '{id}' (a task runs after tasks already submitted)",
        _ when Met(awaited.State, condition) == false => $"'{id}' {Lower(awaited.State)}, so this task would never run{Only(condition)}",
        _ => null,
    };

    /// <summary>
    /// Whether an awaited task in <paramref name="state"/> (null: it no longer exists) meets <paramref name="condition"/>:
    /// true once it has, false once it never can, null while it may still end either way.
    /// </summary>
    public static bool? Met(TaskState? state, AfterCondition condition) => state switch
    {
        // A task forgotten after it ended has ended; which way is not known, so only "ended" is met.
        null => condition == AfterCondition.Ended,
        { } s when !s.IsTerminal() => null,
        { } s => condition switch
        {
            AfterCondition.Ended => true,
            AfterCondition.Failed => s == TaskState.Failed,
            _ => s == TaskState.Completed,
        },
    };

    /// <summary>How the awaited tasks must end, as messages say it: "complete", "end" or "fail".</summary>
    public static string Wanted(AfterCondition condition) => condition switch
    {
        AfterCondition.Ended => "end",
        AfterCondition.Failed => "fail",
        _ => "complete",
    };

    /// <summary>What a refusal or a cancellation adds for a condition other than the default: " (it runs only once they fail)".</summary>
    public static string Only(AfterCondition condition) =>
        condition == AfterCondition.Completed ? "" : $" (it runs only once they {Wanted(condition)})";

    private static string Lower(TaskState state) => state.ToString().ToLowerInvariant();
}
