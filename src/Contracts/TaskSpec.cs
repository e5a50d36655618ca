using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>Everything a client says about a vGPU task.</summary>
/// <param name="Name">A human name (1..100 characters).</param>
/// <param name="Tenant">The owning tenant (1..100 characters).</param>
/// <param name="Priority">The task's priority.</param>
/// <param name="Resources">What the task needs.</param>
/// <param name="Constraints">Where it may run.</param>
/// <param name="Workload">What it runs.</param>
/// <param name="Schedule">When it runs, for a task that comes up in windows; null = as soon as placed.</param>
/// <param name="Restart">Whether a failed run or a lost node queues it again; null = never.</param>
/// <param name="Gang">The gang it is placed with, all together or not at all; null = placed on its own.</param>
/// <param name="After">
/// Tasks it runs after (at most <see cref="MaxAfter"/>, each already submitted): it stays <see cref="TaskState.Blocked"/>
/// until every one has ended as <paramref name="AfterCondition"/> asks (by default, completed), and is cancelled when one
/// ends otherwise. Null or empty = none.
/// </param>
/// <param name="MaxRuntime">
/// The longest one run may take, from its start, not counting time paused by higher-priority work: a run still going then
/// is stopped and the task fails (not restarted: the next run would meet the same limit). Null = no limit.
/// </param>
/// <param name="AfterCondition">How the tasks in <paramref name="After"/> must end; the default, completed, with none named.</param>
/// <param name="Labels">
/// The owner's own marks (<c>project=llm</c>, <c>sweep=lr-7</c>), by the rules of node labels, at most 32: tasks are
/// listed and cancelled by them (<see cref="TaskQuery.Labels"/>). They do not affect placement. Null for none.
/// </param>
/// <param name="Notify">
/// A URL the pool POSTs the task's status to (JSON) when it ends: a chat webhook, a CI job. Its host must be one the pool
/// allows (<c>Orion:Notify:AllowedHosts</c>); shown to the task's tenant and admins only, since such URLs carry secrets.
/// Null for none.
/// </param>
/// <param name="NotifyOnStart">
/// Whether <paramref name="Notify"/> also hears when each run starts (state Running): a job that waited in line says it
/// got its cards. Needs <paramref name="Notify"/>.
/// </param>
/// <param name="StayPut">
/// Whether the pool may not move its run to gather scattered room for another task (<c>Orion:Pool:Consolidate</c>), as
/// a batch job that cannot afford to start over asks. A drain or maintenance still moves it, and a higher-priority task
/// may still evict it where eviction is on.
/// </param>
/// <param name="IdleTimeout">
/// How long a run may leave its cards idle, as its node measures them (under its daemon's DemandBusyPercent, 1%, of their
/// time), before the pool stops it and the task ends Cancelled, saying so: a notebook or a service left idle gives its
/// cards back. Time paused by higher-priority work or an operator does not count. At least <see cref="MinIdleTimeout"/>;
/// not for scheduled tasks, whose windows already end them, nor deployments. Null = never (its tenant's quota may still
/// set one: <see cref="TenantQuota.IdleTimeout"/>).
/// </param>
/// <param name="Readiness">
/// A check of whether a run serves yet (a server that has loaded its weights answers its health URL): until it passes
/// the task is <see cref="VGpuTaskStatus.Ready"/> false, and a deployment counts the replica as not serving (a rollout
/// cancels no old replica for it, a drain moves no other); after <see cref="HealthProbe.FailureThreshold"/> failures in a
/// row it is not ready again. Null: ready once running.
/// </param>
/// <param name="Liveness">
/// A check of whether a run still works (a server that hangs, a training job whose heartbeat file went stale): after
/// <see cref="HealthProbe.FailureThreshold"/> failures in a row the run is stopped and counts as failed (its restart
/// policy may queue it again). Null: only its exit ends a run.
/// </param>
/// <param name="Startup">
/// A check of whether a run has started (a server loading its weights for minutes): until it first passes, its readiness
/// and liveness probes wait (so a slow start is not taken for a hang); after
/// <see cref="HealthProbe.FailureThreshold"/> failures in a row (its period × threshold is the longest start allowed) the
/// run is stopped and counts as failed. Null: its other probes start with the run.
/// </param>
/// <param name="StopGrace">
/// How long a run that is stopped (cancelled, evicted, moved, replaced, failing its liveness probe) has between the
/// request to end (SIGTERM) and the kill (SIGKILL), 0 to <see cref="MaxStopGrace"/>: an inference server finishing the
/// requests it took, a training job writing its checkpoint. Null: its node's default (10 s). Processes only: a simulated
/// run ends at once.
/// </param>
[GenerateSerializer, Alias("orion.TaskSpec"), Immutable]
public sealed record TaskSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string Tenant,
    [property: Id(2)] TaskPriority Priority,
    [property: Id(3)] ResourceRequest Resources,
    [property: Id(4)] PlacementConstraints Constraints,
    [property: Id(5)] WorkloadSpec Workload,
    [property: Id(6)] ScheduleSpec? Schedule = null,
    [property: Id(7)] RestartPolicy? Restart = null,
    [property: Id(8)] GangSpec? Gang = null,
    [property: Id(9)] ImmutableList<string>? After = null,
    [property: Id(10)] TimeSpan? MaxRuntime = null,
    [property: Id(11)] AfterCondition AfterCondition = AfterCondition.Completed,
    [property: Id(12)] ImmutableDictionary<string, string>? Labels = null,
    [property: Id(13)] string? Notify = null,
    [property: Id(14)] bool NotifyOnStart = false,
    [property: Id(15)] TimeSpan? IdleTimeout = null,
    [property: Id(16)] HealthProbe? Readiness = null,
    [property: Id(17)] HealthProbe? Liveness = null,
    [property: Id(18)] TimeSpan? StopGrace = null,
    [property: Id(19)] HealthProbe? Startup = null,
    [property: Id(20)] bool StayPut = false)
{
    /// <summary>The shortest <see cref="IdleTimeout"/>: nodes read their cards every few seconds, and a pause between requests is not idleness.</summary>
    public static readonly TimeSpan MinIdleTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The longest <see cref="StopGrace"/>.</summary>
    public static readonly TimeSpan MaxStopGrace = TimeSpan.FromHours(1);

    /// <summary>The most tasks one task may run after.</summary>
    public const int MaxAfter = 1000;

    /// <summary>The longest <see cref="MaxRuntime"/>.</summary>
    public static readonly TimeSpan MaxRuntimeLimit = TimeSpan.FromDays(365);

    /// <summary>
    /// An online process: it holds no SDK lease to mark its requests, so its node measures when it is busy, and its memory
    /// stays on its cards (once on host it is stopped, and nothing would see its requests to bring it back).
    /// </summary>
    public bool IsOnlineProcess() => Priority.Class == PriorityClass.Online && Workload.Kind == WorkloadKind.Process;
}
