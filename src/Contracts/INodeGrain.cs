using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>One GPU machine: its host capacity, its cards and its daemon. Key: <c>dc/node</c>.</summary>
[Alias("orion.INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>A daemon attaches (or re-attaches) with what it found and the observer that takes its commands.</summary>
    [Access(Callers.Node)]
    [Alias("Register")]
    Task<NodeSnapshot> Register(NodeRegistration registration, INodeDaemon daemon);

    /// <summary>Holds host resources and card slices for a task, all or nothing.</summary>
    [Access(Callers.None)]
    [Alias("Reserve")]
    Task<ReservationResult> Reserve(ReservationRequest request);

    /// <summary>Frees everything a task holds on this node (idempotent).</summary>
    [Access(Callers.None)]
    [Alias("Release")]
    Task Release(string taskId, long generation);

    /// <summary>
    /// A task here on borrowed room is now within its tenant's quota: its holding is no longer borrowed, so no scheduler
    /// reclaims it (idempotent; ignored for another generation).
    /// </summary>
    [Access(Callers.None)]
    [Alias("Repaid")]
    Task Repaid(string taskId, long generation);

    /// <summary>
    /// A task here changed its priority: its holding and its cards' slices carry the new one (so its cards arbitrate, and
    /// its scheduler evicts, by it). Idempotent; ignored for another generation.
    /// </summary>
    [Access(Callers.None)]
    [Alias("SetTaskPriority")]
    Task SetTaskPriority(string taskId, long generation, TaskPriority priority);

    /// <summary>
    /// Tells the daemon to run a task whose capacity is reserved here. Returns without the daemon's answer when the node's
    /// silo stops first: whether it started is then unknown, settled by the daemon's start report or the placing timeout.
    /// </summary>
    [Access(Callers.None)]
    [Alias("StartTask")]
    Task StartTask(TaskLaunch launch);

    /// <summary>Tells the daemon to stop a task's process (idempotent).</summary>
    [Access(Callers.None)]
    [Alias("StopTask")]
    Task StopTask(string taskId, long generation);

    /// <summary>Tells the daemon to add or remove a named pause hold on a task (idempotent).</summary>
    [Access(Callers.None)]
    [Alias("HoldTask")]
    Task HoldTask(string taskId, long generation, string hold, bool paused);

    /// <summary>The node's capacity and allocations.</summary>
    [Access(Callers.Anyone)]
    [Alias("GetSnapshot")]
    Task<NodeSnapshot?> GetSnapshot();

    /// <summary>
    /// Takes no new work from now on (kept in storage, so it outlives the grain's silo); its tasks run on. Cordoning a
    /// cordoned node again changes only the reason. Null: the node has not registered since its grain activated.
    /// </summary>
    /// <param name="reason">Why, for the people and tools reading the pool (1 to 200 characters).</param>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is blank or longer than 200 characters.</exception>
    [Access(Callers.Admin)]
    [Alias("Cordon")]
    Task<NodeSnapshot?> Cordon(string reason);

    /// <summary>Takes work again (idempotent).</summary>
    [Access(Callers.Admin)]
    [Alias("Uncordon")]
    Task<NodeSnapshot?> Uncordon();

    /// <summary>
    /// Plans a maintenance window (kept in storage): from its notice on, the node takes only work whose max runtime ends
    /// before its start; at its start it is cordoned (and drained, if the window says so); at its end it takes work again.
    /// Null: the node has not registered since its grain activated (the window is kept all the same).
    /// </summary>
    /// <exception cref="ArgumentException">The window breaks a rule (<see cref="MaintenanceWindow.Check"/>), overlaps another, or would be the 17th; nothing changed.</exception>
    [Access(Callers.Admin)]
    [Alias("ScheduleMaintenance")]
    Task<NodeSnapshot?> ScheduleMaintenance(MaintenanceWindow window);

    /// <summary>
    /// Cancels the window that starts at <paramref name="start"/>; one in force ends now, its cordon coming off unless an
    /// operator changed the cordon meanwhile.
    /// </summary>
    /// <exception cref="ArgumentException">No window of the node starts then; nothing changed.</exception>
    [Access(Callers.Admin)]
    [Alias("CancelMaintenance")]
    Task<NodeSnapshot?> CancelMaintenance(DateTimeOffset start);

    /// <summary>
    /// Cordons one card (<paramref name="reason"/> given) or lets it take work again (null): a cordoned card takes no new
    /// work, its tasks run on, and the node's other cards work as before. Kept in storage, as a node's cordon. Null: the
    /// node has not registered since its grain activated (the change is kept all the same).
    /// </summary>
    /// <exception cref="ArgumentException">The card is not this node's (<c>dc/node/index</c>), or the reason breaks its rule; nothing changed.</exception>
    [Access(Callers.Admin)]
    [Alias("CordonCard")]
    Task<NodeSnapshot?> CordonCard(string gpuId, string? reason);

    /// <summary>
    /// Sets or removes an operator's labels (<paramref name="taints"/> false) or taints, kept in storage over the daemon's
    /// (<see cref="NodeMarks"/>); its scheduler hears the change at once. Null: the node has not registered since its grain
    /// activated (the change is kept all the same).
    /// </summary>
    /// <exception cref="ArgumentException">A key or value breaks a rule, a key to remove is the daemon's, or the node would pass 32; nothing changed.</exception>
    [Access(Callers.Admin)]
    [Alias("Mark")]
    Task<NodeSnapshot?> Mark(NodeMarks change, bool taints);

    /// <summary>
    /// A task's log as the node's daemon keeps it (<see cref="INodeDaemon.ReadLog"/>); null without a daemon or a log.
    /// Clients read it through the task (<see cref="IVGpuTaskGrain.ReadLog"/>), which knows whose it is.
    /// </summary>
    [Access(Callers.None)]
    [Alias("ReadLog"), AlwaysInterleave]
    Task<TaskLogChunk?> ReadLog(string taskId, long generation, long offset, int maxBytes);

    /// <summary>
    /// A replica's <see cref="ScaleMetric"/> as the node's daemon reads it (<see cref="INodeDaemon.ReadMetric"/>); a failed
    /// reading without a daemon. For the replica's deployment, which scales on it.
    /// </summary>
    [Access(Callers.None)]
    [Alias("ReadMetric"), AlwaysInterleave]
    Task<MetricReading> ReadMetric(string taskId, long generation, ScaleMetric metric);

    /// <summary>The tasks that hold capacity here, with the generation they hold it under.</summary>
    [Access(Callers.None)]
    [Alias("ListTasks"), ReadOnly]
    Task<ImmutableArray<RunningTask>> ListTasks();
}
