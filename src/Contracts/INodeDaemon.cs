namespace Orion.Contracts;

/// <summary>The commands a node daemon takes from its NodeGrain, through an observer reference.</summary>
[Alias("orion.INodeDaemon")]
public interface INodeDaemon : IGrainObserver
{
    /// <summary>Runs a task; a launch already running under the same generation is a no-op.</summary>
    [Alias("Start")]
    Task Start(TaskLaunch launch);

    /// <summary>Stops a task's process; true when one was stopped.</summary>
    [Alias("Stop")]
    Task<bool> Stop(string taskId, long generation);
}
