namespace Orion.Contracts;

/// <summary>
/// How a deployment may take its replicas out of service: how a new template is rolled out (Kubernetes' rolling update,
/// <paramref name="MaxSurge"/> and <paramref name="MaxUnavailable"/>) and how many of its replicas drains and maintenance
/// windows may move at once (<paramref name="DisruptionBudget"/>, as a PodDisruptionBudget's maxUnavailable).
/// </summary>
/// <param name="MaxSurge">
/// How many replicas beyond the count a rollout may have live at once (0 to <see cref="DeploymentRules.MaxReplicas"/>):
/// each new one must find room before an old one goes. 0 on a pool with no card to spare, with
/// <paramref name="MaxUnavailable"/> at least 1, so an old replica makes the room.
/// </param>
/// <param name="MaxUnavailable">
/// How many fewer than the count may serve during a rollout (0 to <see cref="DeploymentRules.MaxReplicas"/>): old replicas
/// are cancelled before new ones serve in their place, down to the count less this. Not 0 when
/// <paramref name="MaxSurge"/> is 0.
/// </param>
/// <param name="DisruptionBudget">
/// How many replicas may be out of service at once for a drain or a maintenance window's move (1 to
/// <see cref="DeploymentRules.MaxReplicas"/>), counting those that do not serve for any other reason and those missing: a
/// replica is moved only while that stays within it. A forced drain and a maintenance window's start do not ask.
/// </param>
[GenerateSerializer, Alias("orion.DeploymentStrategy"), Immutable]
public sealed record DeploymentStrategy(
    [property: Id(0)] int MaxSurge = 1,
    [property: Id(1)] int MaxUnavailable = 0,
    [property: Id(2)] int DisruptionBudget = 1)
{
    /// <summary>One new replica beside the old ones at a time, none fewer serving; one replica moved at a time.</summary>
    public static DeploymentStrategy Default { get; } = new();
}
