namespace Orion.Contracts;

/// <summary>One revision of a deployment: the template its replicas ran, kept so the deployment can roll back to it.</summary>
/// <param name="Revision">Its number: 1 when created, one more for each change of template.</param>
/// <param name="Template">The task spec each replica of it runs.</param>
/// <param name="At">When it became the deployment's revision.</param>
[GenerateSerializer, Alias("orion.DeploymentRevision"), Immutable]
public sealed record DeploymentRevision(
    [property: Id(0)] int Revision,
    [property: Id(1)] TaskSpec Template,
    [property: Id(2)] DateTimeOffset At);
