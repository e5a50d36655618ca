namespace Orion.Contracts;

/// <summary>One replica task of a deployment, as the deployment last read it.</summary>
/// <param name="TaskId">The replica's task id (<c>NAME.SERIAL</c>).</param>
/// <param name="Revision">The deployment revision whose template it runs.</param>
/// <param name="State">Its state at the deployment's last look.</param>
/// <param name="NodeId">The node it holds cards on; null while it holds none.</param>
[GenerateSerializer, Alias("orion.DeploymentReplica"), Immutable]
public sealed record DeploymentReplica(
    [property: Id(0)] string TaskId,
    [property: Id(1)] int Revision,
    [property: Id(2)] TaskState State,
    [property: Id(3)] string? NodeId = null)
{
    /// <summary>Running or paused on its cards: it serves (a paused online replica resumes at its next request).</summary>
    public bool Ready => State is TaskState.Running or TaskState.Suspended;
}
