namespace Orion.Contracts;

/// <summary>Where a task is in its life.</summary>
[GenerateSerializer, Alias("orion.TaskState")]
public enum TaskState
{
    /// <summary>Accepted and queued, waiting for capacity.</summary>
    Pending = 0,

    /// <summary>Capacity reserved on a node; the daemon is starting it.</summary>
    Placing = 1,

    /// <summary>Running on its cards.</summary>
    Running = 2,

    /// <summary>Finished its work.</summary>
    Completed = 3,

    /// <summary>Ended by an error.</summary>
    Failed = 4,

    /// <summary>Cancelled by a client.</summary>
    Cancelled = 5,

    /// <summary>Placed but paused: higher-priority work on its card is busy, or its window closed with Pause.</summary>
    Suspended = 6,

    /// <summary>A scheduled task waiting for its next window to open.</summary>
    Scheduled = 7,

    /// <summary>
    /// Waits for the tasks it runs after (<see cref="TaskSpec.After"/>) to complete: holds nothing, is queued nowhere and
    /// is not charged to its tenant's quota until they have.
    /// </summary>
    Blocked = 8,
}
