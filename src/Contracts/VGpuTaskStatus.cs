using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A task's status as its grain knows it.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Spec">The spec it was submitted with.</param>
/// <param name="State">Its state.</param>
/// <param name="Placement">Where it runs or ran; null while pending.</param>
/// <param name="Generation">Placement attempt number; commands carry it so stale ones are ignored.</param>
/// <param name="SubmittedAt">When it was accepted.</param>
/// <param name="PlacedAt">When capacity was reserved for it.</param>
/// <param name="StartedAt">When the daemon reported it running.</param>
/// <param name="EndedAt">When it reached a terminal state.</param>
/// <param name="ExitReason">Why it ended, for terminal states.</param>
/// <param name="Version">Grows by one with every change; watchers use it.</param>
/// <param name="SuspendCount">How many times it was paused.</param>
/// <param name="SuspendedFor">Total time paused, not counting a pause still going on.</param>
/// <param name="SuspendedSince">When the current pause began; null when not paused.</param>
/// <param name="Occurrence">For a scheduled task: the window it is in or last ran in (1 = the first).</param>
/// <param name="WindowOpensAt">For a scheduled task: when its current or next window opens.</param>
/// <param name="WindowClosesAt">For a scheduled task: when that window closes.</param>
/// <param name="ResidentMiB">GPU memory on the device now.</param>
/// <param name="HostMiB">GPU memory moved to host RAM now.</param>
/// <param name="Swaps">How many times its memory was moved (either way).</param>
/// <param name="BytesMoved">Bytes moved between device and host in all.</param>
/// <param name="Restarts">How many times it was queued again after a failed run or a lost node.</param>
/// <param name="QueuedIn">The data centre whose scheduler queues it while it is pending (its home for this generation).</param>
/// <param name="QuotaWait">
/// While pending and not yet admitted by its tenant's quota: which limit it waits on. No scheduler holds it meanwhile.
/// </param>
/// <param name="Borrowed">
/// Admitted beyond its tenant's compute or memory limit on borrowed room (<see cref="TenantQuota.Borrow"/>): it is placed
/// only into room no task within its quota needs, and is evicted (stopped and queued again) when one does.
/// </param>
/// <param name="GangWaits">
/// A gang's member queued to be placed with its whole gang: as first submitted, or after its gang restarted. False once
/// placed, and for a member queued again on its own (evicted by a drain, its start lost).
/// </param>
/// <param name="Awaiting">While <see cref="TaskState.Blocked"/>: the tasks it runs after that have not completed yet.</param>
/// <param name="CardSeconds">Compute its ended runs held, from placement until let go, in card-seconds (paused time included).</param>
/// <param name="MemoryMiBSeconds">GPU memory its ended runs held, in MiB-seconds.</param>
/// <param name="Runs">Its ended runs: placements that held capacity and let it go.</param>
/// <param name="HeldBy">While an operator has it paused (<see cref="IVGpuTaskGrain.Pause"/>): the reason given.</param>
/// <param name="RetryAt">
/// A restart waiting out its backoff (<see cref="RestartPolicy.Backoff"/>): when it is queued. Pending, in no queue, until then.
/// </param>
/// <param name="Ready">
/// Whether its run passes its readiness probe (<see cref="TaskSpec.Readiness"/>): false from its start until the probe
/// first passes, and again once it fails its threshold in a row; with a startup probe alone, false until that passes.
/// Null for a task with neither, and for one not running.
/// </param>
/// <param name="NotReadyBecause">While <paramref name="Ready"/> is false: the readiness probe's last failure, once there has been one.</param>
/// <param name="ReadySince">While <paramref name="Ready"/> is true: when its readiness probe last turned passing (pool clock).</param>
/// <param name="PastRuns">Its runs that have let go of their capacity, oldest first, the newest <see cref="PastRun.Kept"/>; null for none.</param>
[GenerateSerializer, Alias("orion.VGpuTaskStatus"), Immutable]
public sealed record VGpuTaskStatus(
    [property: Id(0)] string TaskId,
    [property: Id(1)] TaskSpec Spec,
    [property: Id(2)] TaskState State,
    [property: Id(3)] TaskPlacement? Placement,
    [property: Id(4)] long Generation,
    [property: Id(5)] DateTimeOffset SubmittedAt,
    [property: Id(6)] DateTimeOffset? PlacedAt,
    [property: Id(7)] DateTimeOffset? StartedAt,
    [property: Id(8)] DateTimeOffset? EndedAt,
    [property: Id(9)] string? ExitReason,
    [property: Id(10)] long Version,
    [property: Id(11)] int SuspendCount = 0,
    [property: Id(12)] TimeSpan SuspendedFor = default,
    [property: Id(13)] DateTimeOffset? SuspendedSince = null,
    [property: Id(14)] int Occurrence = 0,
    [property: Id(15)] DateTimeOffset? WindowOpensAt = null,
    [property: Id(16)] DateTimeOffset? WindowClosesAt = null,
    [property: Id(17)] long ResidentMiB = 0,
    [property: Id(18)] long HostMiB = 0,
    [property: Id(19)] int Swaps = 0,
    [property: Id(20)] long BytesMoved = 0,
    [property: Id(21)] int Restarts = 0,
    [property: Id(22)] string? QueuedIn = null,
    [property: Id(23)] string? QuotaWait = null,
    [property: Id(24)] bool Borrowed = false,
    [property: Id(25)] bool GangWaits = false,
    [property: Id(26)] ImmutableList<string>? Awaiting = null,
    [property: Id(27)] double CardSeconds = 0,
    [property: Id(28)] double MemoryMiBSeconds = 0,
    [property: Id(29)] int Runs = 0,
    [property: Id(30)] string? HeldBy = null,
    [property: Id(31)] DateTimeOffset? RetryAt = null,
    [property: Id(32)] ImmutableList<PastRun>? PastRuns = null,
    [property: Id(33)] bool? Ready = null,
    [property: Id(34)] string? NotReadyBecause = null,
    [property: Id(35)] DateTimeOffset? ReadySince = null)
{
    /// <summary>
    /// Since when its run serves: its start, or with a readiness (or startup) probe the moment it last turned ready; null
    /// while it does not (not running, or not ready).
    /// </summary>
    public DateTimeOffset? ServingSince => (Spec.Readiness ?? Spec.Startup) is null ? StartedAt : Ready == true ? ReadySince : null;

    /// <summary>Total time paused up to <paramref name="now"/>, counting a pause still going on.</summary>
    public TimeSpan SuspendedUntil(DateTimeOffset now) => SuspendedFor + (SuspendedSince is { } since && now > since ? now - since : TimeSpan.Zero);

    /// <summary>
    /// The node its latest run (<paramref name="generation"/> null or its own) or an earlier run ran on; null for a run
    /// that never started or is not known.
    /// </summary>
    public string? NodeOfRun(long? generation) => this switch
    {
        { Placement: { } placed, StartedAt: not null } when generation is null || generation == Generation => placed.NodeId,
        _ when generation is { } asked => PastRuns?.LastOrDefault(r => r.Generation == asked && r.StartedAt is not null)?.NodeId,
        _ => null,
    };
}
