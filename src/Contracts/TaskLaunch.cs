using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A command to a daemon: run this task on these cards.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">The placement generation; a repeated launch of the same generation is a no-op.</param>
/// <param name="GpuIds">The cards.</param>
/// <param name="ComputeMilli">Compute share per card, in thousandths of a card.</param>
/// <param name="GpuMemoryMiB">Memory per card in MiB.</param>
/// <param name="Workload">What to run.</param>
/// <param name="StartOnHost">Start with its memory on host RAM (no room on the device yet); it runs once swapped in.</param>
/// <param name="DemandMeasured">
/// An online task with no SDK lease (a process): the daemon watches it compute on its cards and tells them when it turns
/// busy or goes quiet, as a lease would.
/// </param>
/// <param name="IdleTimeout">
/// How long the run may leave its cards idle (<see cref="TaskSpec.IdleTimeout"/>): the daemon watches it and tells its
/// task once it has, not counting time paused. Null: not watched.
/// </param>
/// <param name="Readiness">The run's readiness probe (<see cref="TaskSpec.Readiness"/>): the daemon makes it and tells the task when the run turns ready or not.</param>
/// <param name="Startup">The run's startup probe (<see cref="TaskSpec.Startup"/>): the daemon makes it until it passes, then the others.</param>
/// <param name="StopGrace">How long a stopped run has between SIGTERM and SIGKILL (<see cref="TaskSpec.StopGrace"/>); null: the node's default.</param>
/// <param name="Rendezvous">A gang member's rendezvous (<see cref="TaskPlacement.Rendezvous"/>): its process runs with it in its environment.</param>
/// <param name="Liveness">The run's liveness probe (<see cref="TaskSpec.Liveness"/>): the daemon makes it and tells the task when it has failed.</param>
[GenerateSerializer, Alias("orion.TaskLaunch"), Immutable]
public sealed record TaskLaunch(
    [property: Id(0)] string TaskId,
    [property: Id(1)] long Generation,
    [property: Id(2)] ImmutableArray<string> GpuIds,
    [property: Id(3)] int ComputeMilli,
    [property: Id(4)] long GpuMemoryMiB,
    [property: Id(5)] WorkloadSpec Workload,
    [property: Id(6)] bool StartOnHost = false,
    [property: Id(7)] bool DemandMeasured = false,
    [property: Id(8)] TimeSpan? IdleTimeout = null,
    [property: Id(9)] HealthProbe? Readiness = null,
    [property: Id(10)] HealthProbe? Liveness = null,
    [property: Id(11)] TimeSpan? StopGrace = null,
    [property: Id(12)] HealthProbe? Startup = null,
    [property: Id(13)] GangRendezvous? Rendezvous = null);
