namespace Orion.Contracts;

/// <summary>
/// A deployment that sets its own replica count from its replicas' demand, between <paramref name="Min"/> and
/// <paramref name="Max"/> replicas: the share of time they were busy (an online task is busy while its lease marks
/// requests, or while its daemon measures its process using its card), kept near <paramref name="TargetBusyPercent"/>;
/// or, with a <paramref name="Metric"/>, a value their own server exports, kept near its target per replica.
/// </summary>
/// <param name="Min">The fewest replicas (at least 1: a deployment with none has no demand to read).</param>
/// <param name="Max">The most replicas (<paramref name="Min"/> to <see cref="DeploymentRules.MaxReplicas"/>).</param>
/// <param name="TargetBusyPercent">The busy share to keep each replica at, 1 to 100: more replicas when they are busier, fewer when less (not used with a <paramref name="Metric"/>).</param>
/// <param name="Metric">
/// A metric of the replicas' own to scale on instead of busy time (a queue length their server exports): read by each
/// ready replica's daemon, kept at its target per replica. Any priority class may scale on one.
/// </param>
[GenerateSerializer, Alias("orion.AutoscaleSpec"), Immutable]
public sealed record AutoscaleSpec(
    [property: Id(0)] int Min,
    [property: Id(1)] int Max,
    [property: Id(2)] int TargetBusyPercent = 70,
    [property: Id(3)] ScaleMetric? Metric = null);
