namespace Orion.Contracts;

/// <summary>How the tasks a task runs after (<see cref="TaskSpec.After"/>) must end before it is queued.</summary>
[GenerateSerializer, Alias("orion.AfterCondition")]
public enum AfterCondition
{
    /// <summary>Each must complete; one that fails or is cancelled cancels the task (Slurm's <c>afterok</c>).</summary>
    Completed = 0,

    /// <summary>Each must end, however it ends: a clean-up or report step (Slurm's <c>afterany</c>).</summary>
    Ended = 1,

    /// <summary>Each must fail; one that completes or is cancelled cancels the task: a failure handler (Slurm's <c>afternotok</c>).</summary>
    Failed = 2,
}
