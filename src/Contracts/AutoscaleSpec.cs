namespace Orion.Contracts;

/// <summary>
/// A deployment that sets its own replica count from its replicas' demand: the share of time they were busy (an online
/// task is busy while its lease marks requests, or while its daemon measures its process using its card), kept near
/// <paramref name="TargetBusyPercent"/> between <paramref name="Min"/> and <paramref name="Max"/> replicas.
/// </summary>
/// <param name="Min">The fewest replicas (at least 1: a deployment with none has no demand to read).</param>
/// <param name="Max">The most replicas (<paramref name="Min"/> to <see cref="DeploymentRules.MaxReplicas"/>).</param>
/// <param name="TargetBusyPercent">The busy share to keep each replica at, 1 to 100: more replicas when they are busier, fewer when less.</param>
[GenerateSerializer, Alias("orion.AutoscaleSpec"), Immutable]
public sealed record AutoscaleSpec(
    [property: Id(0)] int Min,
    [property: Id(1)] int Max,
    [property: Id(2)] int TargetBusyPercent = 70);
