namespace Orion.Contracts;

/// <summary>Facts about task states.</summary>
public static class TaskStates
{
    /// <summary>True for Completed, Failed and Cancelled: nothing more happens to the task.</summary>
    public static bool IsTerminal(this TaskState state) => state is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;

    /// <summary>True while the task holds capacity on a node (Placing, Running or Suspended).</summary>
    public static bool HoldsCapacity(this TaskState state) => state is TaskState.Placing or TaskState.Running or TaskState.Suspended;
}
