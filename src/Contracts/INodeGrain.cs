namespace Orion.Contracts;

/// <summary>One GPU machine: its host capacity, its cards and its daemon. Key: <c>dc/node</c>.</summary>
[Alias("orion.INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>A daemon attaches (or re-attaches) with what it found and the observer that takes its commands.</summary>
    [Alias("Register")]
    Task<NodeSnapshot> Register(NodeRegistration registration, INodeDaemon daemon);

    /// <summary>Holds host resources and card slices for a task, all or nothing.</summary>
    [Alias("Reserve")]
    Task<ReservationResult> Reserve(ReservationRequest request);

    /// <summary>Frees everything a task holds on this node (idempotent).</summary>
    [Alias("Release")]
    Task Release(string taskId, long generation);

    /// <summary>Tells the daemon to run a task whose capacity is reserved here.</summary>
    [Alias("StartTask")]
    Task StartTask(TaskLaunch launch);

    /// <summary>Tells the daemon to stop a task's process (idempotent).</summary>
    [Alias("StopTask")]
    Task StopTask(string taskId, long generation);

    /// <summary>Tells the daemon to add or remove a named pause hold on a task (idempotent).</summary>
    [Alias("HoldTask")]
    Task HoldTask(string taskId, long generation, string hold, bool paused);

    /// <summary>The node's capacity and allocations.</summary>
    [Alias("GetSnapshot")]
    Task<NodeSnapshot?> GetSnapshot();
}
