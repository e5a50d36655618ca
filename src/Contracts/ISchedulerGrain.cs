using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// A data centre's scheduler: the queue of tasks whose home is that data centre and an index of its nodes' free capacity;
/// places tasks there, and offers unpinned ones to the other data centres when its own is full.
/// Key: <see cref="GrainKeys.Scheduler"/> (the data centre's name). Active while it indexes a node or queues a task;
/// one that holds neither lets go, and any call brings it back (its queue refilled from the catalogue).
/// </summary>
[Alias("orion.ISchedulerGrain")]
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues a task (idempotent per task and generation) and tries to place what fits, here or, when it is not pinned,
    /// in another data centre; returns once the scheduler decided for it: placed (where, when here: the caller need not
    /// have written Pending first), queued, or unplaceable when it asked to fail rather than wait (the caller fails it: no
    /// second message). Interleaves: tasks arriving while a round of reservations is out are decided together in the next round.
    /// </summary>
    [Access(Callers.None)]
    [Alias("Enqueue"), AlwaysInterleave]
    Task<QueueDecision> Enqueue(QueuedTask task);

    /// <summary>
    /// A new task was written Pending after <see cref="Enqueue"/> answered it was queued by the activation <paramref name="epoch"/>:
    /// another activation (that one was lost before the catalogue listed the task, so its refill missed it) queues it;
    /// the same activation does nothing (it holds the task, or has placed it since).
    /// </summary>
    [Access(Callers.None)]
    [Alias("Keep"), OneWay]
    Task Keep(QueuedTask task, long epoch);

    /// <summary>Removes a queued task; true when it was still queued.</summary>
    [Access(Callers.None)]
    [Alias("Dequeue")]
    Task<bool> Dequeue(string taskId);

    /// <summary>A node's owner pushes its newer snapshot; capacity may have freed.</summary>
    [Access(Callers.None)]
    [Alias("OnNodeChanged"), OneWay]
    Task OnNodeChanged(NodeSnapshot node);

    /// <summary>
    /// Another data centre's scheduler offers a task it cannot place: place it here now or say no; it is never queued here.
    /// Interleaves, so two schedulers offering to each other at once cannot deadlock.
    /// </summary>
    [Access(Callers.None)]
    [Alias("Offer"), AlwaysInterleave]
    Task<bool> Offer(QueuedTask task);

    /// <summary>Another data centre freed capacity: offer it the queued tasks that may run anywhere.</summary>
    [Access(Callers.None)]
    [Alias("OnCapacityFreed"), OneWay]
    Task OnCapacityFreed(string dataCenter);

    /// <summary>
    /// Why a task queued here is not placed: its gang still gathering, a reservation out, or, node by node, the first
    /// rule each breaks now; null when it is not queued here. A read of memory, so it never waits behind a placement.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("WhyWaiting"), AlwaysInterleave]
    Task<string?> WhyWaiting(string taskId);

    /// <summary>
    /// Where the scheduler's policy would place <paramref name="spec"/> now, and why the other nodes would not take it,
    /// changing nothing (a dry run). With <paramref name="count"/> over 1, as many tasks of it (a job array, or for a gang
    /// member its whole gang, all or none), each placed as if the ones before had been. A read of memory, so it never waits
    /// behind a placement.
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("Preview"), AlwaysInterleave]
    Task<PlacementPreview> Preview(TaskSpec spec, int count = 1);

    /// <summary>The queue and index as the scheduler holds them (a read of memory, so it never waits behind a placement).</summary>
    [Access(Callers.Anyone)]
    [Alias("GetSnapshot"), AlwaysInterleave]
    Task<SchedulerSnapshot> GetSnapshot();
}
