using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>One vGPU task: its spec, lifecycle, placement and generation. Key: the task id.</summary>
[Alias("orion.IVGpuTaskGrain")]
public interface IVGpuTaskGrain : IGrainWithStringKey
{
    /// <summary>Validates and queues the task. Submitting the same spec again returns the current status.</summary>
    [Access(Callers.Owner)]
    [Alias("Submit")]
    Task<SubmitResult> Submit(TaskSpec spec);

    /// <summary>The current status, or null when no task has this id.</summary>
    [Access(Callers.Anyone)]
    [Alias("GetStatus"), ReadOnly]
    Task<VGpuTaskStatus?> GetStatus();

    /// <summary>
    /// The status as it stands, answered even in the middle of a change: a scheduler that activates asks its queued
    /// tasks, and one of them may be waiting on that very scheduler.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("PeekStatus"), AlwaysInterleave]
    Task<VGpuTaskStatus?> PeekStatus();

    /// <summary>
    /// An operator pauses the running task where it is (<see cref="TaskState.Suspended"/>, <see cref="VGpuTaskStatus.HeldBy"/>):
    /// its process stops computing, its slice and memory stay its own, and neither online work going quiet nor anything
    /// but <see cref="Resume"/> starts it again. A task that has not started (queued, in its tenant's line, backing off
    /// or blocked) is held instead: a queued one leaves its queue, and none is queued until <see cref="Resume"/>; it keeps
    /// its quota charge. Idempotent; null when no task has this id.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// It is starting, between windows or ended, its window paused it, or it is not running and is a gang's member or scheduled.
    /// </exception>
    [Access(Callers.Owner)]
    [Alias("Pause")]
    Task<VGpuTaskStatus?> Pause(string reason);

    /// <summary>
    /// Changes a task's priority. A queued one is queued again under it (so it goes before the lower ones); one waiting for
    /// its quota, backing off, blocked, held or between windows is queued under it when its time comes; a running one keeps
    /// its cards, which arbitrate by the new one from now (who pauses for busy online work, whose memory comes back first),
    /// as its scheduler does when it looks for lower-priority work to evict. Returns the status; null when no task has this
    /// id. The same priority again changes nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// It has ended, it is a gang's member (its gang shares one priority), or the change is to or from Online (an online
    /// task is a service, leased as one).
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="priority"/> breaks <see cref="SpecValidator"/>'s priority rules.</exception>
    [Access(Callers.Owner)]
    [Alias("SetPriority")]
    Task<VGpuTaskStatus?> SetPriority(TaskPriority priority);

    /// <summary>
    /// Lifts an operator's pause (<see cref="Pause"/>): the task runs on, or a held one is queued again (or goes back to
    /// waiting as it was). A no-op when it is not so paused; null when no task has this id.
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("Resume")]
    Task<VGpuTaskStatus?> Resume();

    /// <summary>Cancels the task: dequeues it or stops it and frees its capacity. A no-op when already ended.</summary>
    [Access(Callers.Owner)]
    [Alias("Cancel")]
    Task<VGpuTaskStatus?> Cancel(string reason);

    /// <summary>
    /// A piece of the log of its latest run (<paramref name="generation"/> null) or of an earlier one, read from the node
    /// the run was on; null for a run that never started or is not known, or a node that keeps no log of it.
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("ReadLog"), AlwaysInterleave]
    Task<TaskLogChunk?> ReadLog(long? generation, long offset, int maxBytes);

    /// <summary>
    /// Waits until the status version passes <paramref name="afterVersion"/> or the timeout passes on the pool's clock
    /// (at most ten minutes; a longer timeout is cut to that).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    [Access(Callers.Anyone)]
    [Alias("WaitForChange"), AlwaysInterleave]
    Task<VGpuTaskStatus?> WaitForChange(long afterVersion, TimeSpan timeout);

    /// <summary>
    /// <paramref name="memberId"/>, placed in the same gang, failed or was cancelled: this member ends the same way, as a
    /// distributed job does not run on without one of its members. One-way: members that fail together tell each other.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnGangEnded"), OneWay]
    Task OnGangEnded(string memberId, TaskState state, string reason);

    /// <summary>
    /// <paramref name="memberId"/>, placed in the same gang, failed and restarts (its <paramref name="restart"/>-th time,
    /// <see cref="RestartPolicy"/>): this member stops and queues again too, so the gang is placed whole once more.
    /// One-way, as <see cref="OnGangEnded"/>; ignored by a member already queued again for that restart.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnGangRestart"), OneWay]
    Task OnGangRestart(string memberId, int restart, string reason);

    /// <summary>
    /// <paramref name="memberId"/>, placed in the same gang, was moved off its node (a drain, maintenance): this member
    /// stops and queues again too, so the gang is placed whole once more, with a new rendezvous. Not a restart: no count
    /// or policy is touched. One-way; ignored by a member not placed with it any more.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnGangMoved"), OneWay]
    Task OnGangMoved(string memberId, string reason);

    /// <summary>The scheduler reserved capacity for generation <paramref name="generation"/>.</summary>
    [Access(Callers.None)]
    [Alias("OnPlaced"), OneWay]
    Task OnPlaced(long generation, TaskPlacement placement);

    /// <summary>
    /// The scheduler found no room for generation <paramref name="generation"/> of a task that asked to fail then
    /// (<see cref="PlacementConstraints.FailIfUnplaceable"/>). Schedulers now answer this in <see cref="ISchedulerGrain.Enqueue"/>'s
    /// <see cref="QueueDecision"/>; the message stays for a scheduler of an older build during a rolling upgrade.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnUnplaceable"), OneWay]
    Task OnUnplaceable(long generation, string reason);

    /// <summary>
    /// Its tenant's quota has room for it now, or lends it room (<paramref name="borrowed"/>): a task that waited for it is
    /// queued (or its schedule starts).
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnAdmitted"), OneWay]
    Task OnAdmitted(bool borrowed = false);

    /// <summary>
    /// Its tenant's quota was lowered below what this waiting task alone asks, or, for a gang's member admitted while its
    /// gang gathers, below what the whole gang asks: no room could take it, so it fails.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnQuotaRefused"), OneWay]
    Task OnQuotaRefused(string reason);

    /// <summary>Its notify URL took <paramref name="state"/> (an end, or a start) of run <paramref name="generation"/>: it is not sent again.</summary>
    [Access(Callers.None)]
    [Alias("OnNotified")]
    Task OnNotified(long generation, TaskState state);

    /// <summary>The daemon reports the task's process running.</summary>
    [Access(Callers.Node)]
    [Alias("OnStarted")]
    Task OnStarted(long generation);

    /// <summary>
    /// The daemon reports that run <paramref name="generation"/> left its cards idle for its idle timeout,
    /// <paramref name="timeout"/> (its own <see cref="TaskSpec.IdleTimeout"/> or its tenant's; paused time not counted): a run
    /// still running is stopped and the task ends Cancelled.
    /// </summary>
    [Access(Callers.Node)]
    [Alias("OnIdle")]
    Task OnIdle(long generation, TimeSpan timeout);

    /// <summary>
    /// The daemon reports what run <paramref name="generation"/>'s readiness probe found: it turned ready, or not ready
    /// (<paramref name="why"/>: the probe's last failure). A late word about an earlier run, or one not running, changes nothing.
    /// </summary>
    [Access(Callers.Node)]
    [Alias("OnReadiness")]
    Task OnReadiness(long generation, bool ready, string? why);

    /// <summary>
    /// The daemon reports that run <paramref name="generation"/> failed its <paramref name="probe"/> probe (<c>liveness</c>
    /// or <c>startup</c>) its threshold of times in a row (<paramref name="why"/>: the last failure): the run is stopped and
    /// counts as failed, so its restart policy decides.
    /// </summary>
    [Access(Callers.Node)]
    [Alias("OnProbeFailed")]
    Task OnProbeFailed(long generation, string probe, string why);

    /// <summary>The daemon reports the task's process ended.</summary>
    [Access(Callers.Node)]
    [Alias("OnExited")]
    Task OnExited(TaskExit exit);

    /// <summary>
    /// An online service's demand changed. Returns once lower-priority work on its cards is paused (busy) or
    /// resumed (idle) and acked. A sequence not above the last seen (here or on the card) is ignored. The SDK's
    /// lease sends its transitions to the cards directly (two hops fewer on the preemption path).
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("SetDemand")]
    Task<DemandAck> SetDemand(bool busy, long sequence);

    /// <summary>The node running this task's generation was lost (missed its lease, or its daemon restarted without it).</summary>
    [Access(Callers.None)]
    [Alias("OnNodeLost"), OneWay]
    Task OnNodeLost(long generation, string reason);

    /// <summary>A card moved this task's memory: where it is now, and what the move cost.</summary>
    [Access(Callers.None)]
    [Alias("OnMemoryMoved"), OneWay]
    Task OnMemoryMoved(long generation, SwapResult result);

    /// <summary>A card paused or resumed this task (arbitration), at <paramref name="at"/>.</summary>
    [Access(Callers.None)]
    [Alias("OnSuspended"), OneWay]
    Task OnSuspended(long generation, bool suspended, DateTimeOffset at);

    /// <summary>
    /// Moves the task off a node being drained: stops it there and queues it again under a new generation, as a new
    /// placement (not a restart: its restart count and policy are untouched). False when this generation does not hold
    /// capacity on <paramref name="nodeId"/> (already gone, or not started yet).
    /// </summary>
    [Access(Callers.Admin)]
    [Alias("Evict")]
    Task<bool> Evict(long generation, string nodeId, string reason);

    /// <summary>
    /// Moves the task off a node being drained or going into maintenance, as <see cref="Evict"/> does, unless that would take
    /// more replicas of its deployment out of service than its <see cref="DeploymentStrategy.DisruptionBudget"/> (by
    /// default 1: a replica moves only while every other replica of its deployment serves). With <paramref name="replicasOnly"/>, a
    /// task that is no deployment's replica stays. Null when moved; else why it did not, to be asked again later.
    /// </summary>
    [Access(Callers.Admin)]
    [Alias("Move")]
    Task<string?> Move(long generation, string nodeId, string reason, bool replicasOnly = false);

    /// <summary>
    /// Evicts the task as <see cref="Evict"/> does, but only while it runs on borrowed room beyond its tenant's quota: a
    /// scheduler takes the room back for a task within its quota (<paramref name="forTaskId"/>). False when it is not on
    /// loan any more, or this generation does not hold capacity on <paramref name="nodeId"/>.
    /// </summary>
    [Access(Callers.None)]
    [Alias("Reclaim")]
    Task<bool> Reclaim(long generation, string nodeId, string forTaskId);

    /// <summary>
    /// Its tenant's quota has room for it now: a task on borrowed room is charged under the quota instead, and its node
    /// told, so it is no longer reclaimed.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnLoanRepaid"), OneWay]
    Task OnLoanRepaid();

    /// <summary>
    /// The task's timer: opens or closes a scheduled task's window, or ends a run past its
    /// <see cref="TaskSpec.MaxRuntime"/>, when the time has come (idempotent).
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnScheduleTick")]
    Task OnScheduleTick();

    /// <summary>
    /// <paramref name="dependentId"/> runs after this task (<see cref="TaskSpec.After"/>): it is told when this task ends
    /// (<see cref="OnAwaitedEnded"/>). Returns the status, so a task that ended meanwhile is seen at once. Idempotent.
    /// </summary>
    [Access(Callers.None)]
    [Alias("Follow")]
    Task<VGpuTaskStatus?> Follow(string dependentId);

    /// <summary>
    /// <paramref name="taskId"/>, which this task runs after, ended in <paramref name="state"/>: a blocked task goes on
    /// when the last one it waits for completed, and is cancelled when one failed or was cancelled.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnAwaitedEnded"), OneWay]
    Task OnAwaitedEnded(string taskId, TaskState state, string reason);

    /// <summary>
    /// Its node asks the run under <paramref name="generation"/> to report what it has held so far to its tenant's meter
    /// (<see cref="ITenantMeterGrain"/>), so usage grows as a long run goes. Ignored for another generation or no run; a
    /// report lost is carried by the next, or by the run's end.
    /// </summary>
    [Access(Callers.None)]
    [Alias("MeterRun"), OneWay]
    Task MeterRun(long generation);
}
