using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>One physical card: its slices and who holds them. Key: <c>dc/node/index</c>.</summary>
[Alias("orion.IGpuGrain")]
public interface IGpuGrain : IGrainWithStringKey
{
    /// <summary>Records the card as its daemon discovered it, and the daemon that enforces it. Keeps existing slices.</summary>
    [Access(Callers.None)]
    [Alias("Attach")]
    Task<GpuSnapshot> Attach(GpuDevice device, int computeCapacityMilli, long memoryCapacityMiB, INodeDaemon daemon);

    /// <summary>
    /// A reserved task is about to start: makes room on the device for it if the memory arbitration says so
    /// (moving others' memory to host RAM first). True when it must start with its memory on host RAM.
    /// </summary>
    [Access(Callers.None)]
    [Alias("PrepareStart")]
    Task<bool> PrepareStart(string taskId, long generation);

    /// <summary>
    /// An online task's demand changed. The card's arbitration decides who pauses or resumes; the call returns
    /// once the daemon has carried out the pauses. Memory moves are not waited for here: they follow a moment later in
    /// one pass for all the demand that arrived meanwhile (see <see cref="DemandAck.MemoryPending"/> and
    /// <see cref="WhenResident"/>), so a request for a service whose memory is on the device does not wait for the moves
    /// another request arriving with it needs, nor for a pass already moving memory (it interleaves with that pass).
    /// A sequence not above the task's last is stale and changes nothing.
    /// </summary>
    [Access(Callers.Owner | Callers.Node)]
    [Alias("SetDemand"), AlwaysInterleave]
    Task<DemandAck> SetDemand(string taskId, long generation, bool busy, long sequence);

    /// <summary>
    /// How long an online task of this generation has been busy on this card (its demand, as its lease or its daemon
    /// signals it) since the card took it: soft state, which starts again from zero when the card's activation does. Null
    /// when the card holds no slice of it.
    /// </summary>
    [Access(Callers.None)]
    [Alias("GetBusyTime"), AlwaysInterleave]
    Task<TimeSpan?> GetBusyTime(string taskId, long generation);

    /// <summary>
    /// Completes when all of a task's memory on this card is on the device (true), or when it will not be for now:
    /// the task is gone, idle again, or the device cannot hold it beside work that may not move (false).
    /// </summary>
    [Access(Callers.Owner | Callers.Node)]
    [Alias("WhenResident"), AlwaysInterleave]
    Task<bool> WhenResident(string taskId, long generation);

    /// <summary>The card's daemon is gone: nothing is enforced on the card until a daemon attaches again.</summary>
    [Access(Callers.None)]
    [Alias("Detach")]
    Task Detach();

    /// <summary>Re-runs the card's arbitration and carries it out, in the background of whoever asked.</summary>
    [Access(Callers.None)]
    [Alias("Rebalance"), OneWay]
    Task Rebalance();

    /// <summary>
    /// Starts a task that runs on this card alone, in one call: <see cref="PrepareStart"/>, the daemon's start (through
    /// <paramref name="daemon"/>, the node's), then <see cref="OnTaskStarted"/>. A task on several cards is prepared on each
    /// before the daemon starts it, so it goes through those calls one by one. Returns without the daemon's answer when the
    /// card's silo stops first (as <see cref="INodeGrain.StartTask"/>); the task stays marked starting until its node's
    /// heartbeat finds the daemon running it, or the task gives the slice back.
    /// </summary>
    [Access(Callers.None)]
    [Alias("StartTask")]
    Task StartTask(TaskLaunch launch, INodeDaemon daemon);

    /// <summary>
    /// The task's own start of a task on this card alone: as <see cref="StartTask"/>, through the card's daemon, when the
    /// card holds the task's slice of that generation and has a daemon; false otherwise, having done nothing (the task's
    /// node then starts it, as it would have).
    /// </summary>
    [Access(Callers.None)]
    [Alias("TryStartTask")]
    Task<bool> TryStartTask(TaskLaunch launch);

    /// <summary>A task's process started on this card: arbitration applies to it from now.</summary>
    [Access(Callers.None)]
    [Alias("OnTaskStarted")]
    Task OnTaskStarted(string taskId, long generation);

    /// <summary>Holds a slice for a task, or refuses when it no longer fits. Idempotent per task and generation.</summary>
    [Access(Callers.None)]
    [Alias("Reserve")]
    Task<GpuReservationResult> Reserve(GpuSlice slice);

    /// <summary>Frees a task's slice when its generation is not newer than <paramref name="generation"/>.</summary>
    [Access(Callers.None)]
    [Alias("Release")]
    Task<GpuSnapshot> Release(string taskId, long generation);

    /// <summary>
    /// A task's priority changed while it holds a slice here (ignored for another generation): its slice carries the new
    /// one, and the card arbitrates again by it.
    /// </summary>
    [Access(Callers.None)]
    [Alias("SetPriority")]
    Task<GpuSnapshot> SetPriority(string taskId, long generation, TaskPriority priority);

    /// <summary>The card's current allocations.</summary>
    [Access(Callers.Anyone)]
    [Alias("GetSnapshot")]
    Task<GpuSnapshot?> GetSnapshot();
}
