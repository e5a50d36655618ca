using System.Collections.Immutable;

using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>A task as lists show it.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Name">Its name.</param>
/// <param name="Tenant">Its tenant.</param>
/// <param name="Priority">Class and level, e.g. <c>Online</c> or <c>Offline/5</c>.</param>
/// <param name="State">Its state.</param>
/// <param name="NodeId">Where it runs; null while not placed.</param>
/// <param name="GpuIds">Its cards.</param>
/// <param name="ComputeMilli">Compute per card.</param>
/// <param name="GpuMemoryMiB">GPU memory per card.</param>
/// <param name="ResidentMiB">GPU memory on the device now.</param>
/// <param name="HostMiB">GPU memory in host RAM now.</param>
/// <param name="SubmittedAt">When it was accepted.</param>
/// <param name="ExitReason">Why it ended.</param>
/// <param name="QuotaWait">While it waits for its tenant's quota: the limit in the way.</param>
/// <param name="Borrowed">It runs on borrowed room beyond its tenant's quota, and is evicted when a task within its quota needs the room.</param>
/// <param name="Gang">The gang it is placed with, all together or not at all (<see cref="GangSpec.Name"/>); null for a task on its own.</param>
/// <param name="Spread">Its spread group, kept on different nodes (<see cref="SpreadSpec.Group"/>); null for none.</param>
/// <param name="MaxPerDomain">The most tasks of its spread group in one domain; 0 without a group.</param>
/// <param name="Waiting">Why it does not run yet (<see cref="WaitingReason"/>): only where one task is read, as <c>/api/tasks/{id}</c>; null in lists.</param>
/// <param name="TopologyKey">The node label whose values are its spread group's domains; null for one domain per node.</param>
/// <param name="After">The tasks it runs after (<see cref="TaskSpec.After"/>); null for none.</param>
/// <param name="Awaiting">While Blocked: those of them not yet ended as <paramref name="AfterCondition"/> asks.</param>
/// <param name="Labels">The task's own labels (<see cref="TaskSpec.Labels"/>); null for none.</param>
/// <param name="AfterCondition">How the tasks in <paramref name="After"/> must end (<c>completed</c>, <c>ended</c>, <c>failed</c>); null without any.</param>
/// <param name="HeldBy">While an operator has it paused: the reason given.</param>
/// <param name="MaxRuntime">The longest one run may take (<see cref="TaskSpec.MaxRuntime"/>), as <c>2h</c> or <c>90s</c>; null for no limit.</param>
/// <param name="Generation">Its current run's generation (0 before its first placement).</param>
/// <param name="IdleTimeout">How long a run may leave its cards idle (<see cref="TaskSpec.IdleTimeout"/>), as <c>30m</c>; null for never stopped so.</param>
/// <param name="PastRuns">Its earlier runs, newest last (<see cref="VGpuTaskStatus.PastRuns"/>): only where one task is read, as <c>/api/tasks/{id}</c>; null in lists.</param>
/// <param name="Ready">Whether its run passes its readiness probe (<see cref="VGpuTaskStatus.Ready"/>); null without one, or not running.</param>
/// <param name="NotReadyBecause">While not ready: the readiness probe's last failure.</param>
/// <param name="Readiness">Its readiness probe in words (<see cref="HealthProbe.ToString"/>); null for none.</param>
/// <param name="Liveness">Its liveness probe in words; null for none.</param>
/// <param name="Startup">Its startup probe in words; null for none.</param>
public sealed record TaskSummary(
    string TaskId, string Name, string Tenant, string Priority, string State, string? NodeId, ImmutableArray<string> GpuIds,
    int ComputeMilli, long GpuMemoryMiB, long ResidentMiB, long HostMiB, DateTimeOffset SubmittedAt, string? ExitReason, string? QuotaWait = null, bool Borrowed = false,
    string? Gang = null, string? Spread = null, int MaxPerDomain = 0, string? Waiting = null, string? TopologyKey = null,
    IReadOnlyList<string>? After = null, IReadOnlyList<string>? Awaiting = null, string? MaxRuntime = null, string? HeldBy = null,
    string? AfterCondition = null, IReadOnlyDictionary<string, string>? Labels = null, long Generation = 0, IReadOnlyList<PastRun>? PastRuns = null,
    string? IdleTimeout = null, bool? Ready = null, string? NotReadyBecause = null, string? Readiness = null, string? Liveness = null, string? Startup = null);
