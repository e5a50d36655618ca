using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>The queue of pending tasks and an index of free capacity; places tasks. Key: <see cref="GrainKeys.Pool"/>.</summary>
[Alias("orion.ISchedulerGrain")]
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>Queues a task (idempotent per task and generation) and tries to place what fits.</summary>
    [Alias("Enqueue")]
    Task Enqueue(QueuedTask task);

    /// <summary>Removes a queued task; true when it was still queued.</summary>
    [Alias("Dequeue")]
    Task<bool> Dequeue(string taskId);

    /// <summary>A node's owner pushes its newer snapshot; capacity may have freed.</summary>
    [Alias("OnNodeChanged"), OneWay]
    Task OnNodeChanged(NodeSnapshot node);

    /// <summary>The queue and index as the scheduler holds them.</summary>
    [Alias("GetSnapshot"), ReadOnly]
    Task<SchedulerSnapshot> GetSnapshot();
}
