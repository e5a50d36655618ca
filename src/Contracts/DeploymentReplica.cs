namespace Orion.Contracts;

/// <summary>One replica task of a deployment, as the deployment last read it.</summary>
/// <param name="TaskId">The replica's task id (<c>NAME.SERIAL</c>).</param>
/// <param name="Revision">The deployment revision whose template it runs.</param>
/// <param name="State">Its state at the deployment's last look.</param>
/// <param name="NodeId">The node it holds cards on; null while it holds none.</param>
/// <param name="Warming">It runs, but not yet for its deployment's <see cref="DeploymentStrategy.MinReady"/>: it does not count as serving.</param>
/// <param name="NotReady">It runs, but its readiness probe does not pass (<see cref="VGpuTaskStatus.Ready"/> false): it does not count as serving.</param>
[GenerateSerializer, Alias("orion.DeploymentReplica"), Immutable]
public sealed record DeploymentReplica(
    [property: Id(0)] string TaskId,
    [property: Id(1)] int Revision,
    [property: Id(2)] TaskState State,
    [property: Id(3)] string? NodeId = null,
    [property: Id(4)] bool Warming = false,
    [property: Id(5)] bool NotReady = false)
{
    /// <summary>Running or paused on its cards, warmed up and passing its readiness probe: it serves (a paused online replica resumes at its next request).</summary>
    public bool Ready => State is TaskState.Running or TaskState.Suspended && !Warming && !NotReady;
}
