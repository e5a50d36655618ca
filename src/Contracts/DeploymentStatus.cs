using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A deployment: how many replicas of which template it keeps, and the replica tasks it has now.</summary>
/// <param name="Name">The deployment's name, also its replicas' id prefix.</param>
/// <param name="Template">The task spec each replica of the current revision runs.</param>
/// <param name="Paused">Its rollout is paused: replicas of an earlier revision stay beside the current one's (a canary) until resumed.</param>
/// <param name="Revisions">The revisions kept for a roll back (the last ten), oldest first, the current one last.</param>
/// <param name="Replicas">How many replicas it keeps.</param>
/// <param name="Revision">The template's revision: 1 when created, one more for each change of template.</param>
/// <param name="Tasks">Its live replica tasks (not ended), oldest first.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When its template or replica count last changed.</param>
/// <param name="FailuresInRow">Replicas that failed in a row (or ended within <see cref="DeploymentRules.StableRun"/> of starting); a replica that runs that long resets it.</param>
/// <param name="ReplaceAfter">While replicas keep failing, no new one is submitted before this (doubling from 10 s to 5 min); null otherwise.</param>
/// <param name="LastFailure">Why the last replica that counted as a failure ended.</param>
/// <param name="Autoscale">The bounds and target it scales itself by, from its replicas' demand; null when its count is set by hand.</param>
/// <param name="BusyPercent">With <paramref name="Autoscale"/>: how busy its running replicas were, on average, between its last two looks; null before it has measured.</param>
/// <param name="Strategy">How it rolls out a new template and how many replicas drains may move at once (the grain always sets it).</param>
/// <param name="Stalled">Its rollout went past its strategy's <see cref="DeploymentStrategy.ProgressDeadline"/> without progress: it counts as failed.</param>
/// <param name="RolledBack">
/// While its current revision is a roll back it made by itself (<see cref="DeploymentStrategy.RollBackOnFailure"/>): why,
/// such as "revision 2's replicas failed 3 in a row (last: ...)"; null otherwise.
/// </param>
/// <param name="MetricValue">
/// With an <see cref="AutoscaleSpec.Metric"/>: its value per replica at the last look that read it (the sum over the
/// replicas read, divided by how many); null before it has read one.
/// </param>
/// <param name="MetricUnread">With an <see cref="AutoscaleSpec.Metric"/>: why a replica's value could not be read at the last look (the first such replica), if any.</param>
/// <param name="CheckedAt">When it last looked at its replicas (pool clock); null before its first look since its grain activated.</param>
[GenerateSerializer, Alias("orion.DeploymentStatus"), Immutable]
public sealed record DeploymentStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] TaskSpec Template,
    [property: Id(2)] int Replicas,
    [property: Id(3)] int Revision,
    [property: Id(4)] ImmutableArray<DeploymentReplica> Tasks,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] int FailuresInRow = 0,
    [property: Id(8)] DateTimeOffset? ReplaceAfter = null,
    [property: Id(9)] string? LastFailure = null,
    [property: Id(10)] AutoscaleSpec? Autoscale = null,
    [property: Id(11)] double? BusyPercent = null,
    [property: Id(12)] DateTimeOffset? CheckedAt = null,
    [property: Id(13)] ImmutableArray<DeploymentRevision> Revisions = default,
    [property: Id(14)] bool Paused = false,
    [property: Id(15)] DeploymentStrategy? Strategy = null,
    [property: Id(16)] bool Stalled = false,
    [property: Id(17)] string? RolledBack = null,
    [property: Id(18)] double? MetricValue = null,
    [property: Id(19)] string? MetricUnread = null)
{
    /// <summary>Replicas of the current revision that serve.</summary>
    public int Ready => Tasks.IsDefault ? 0 : Tasks.Count(t => t.Revision == Revision && t.Ready);

    /// <summary>Replicas of the current revision, serving or not.</summary>
    public int Current => Tasks.IsDefault ? 0 : Tasks.Count(t => t.Revision == Revision);

    /// <summary>Every replica asked for is of the current revision and serves, and no other is live.</summary>
    public bool RolledOut => !Rolling && Ready == Replicas && Current == Replicas;

    /// <summary>Whether replicas of an earlier revision are still live (a rolling update under way).</summary>
    public bool Rolling => !Tasks.IsDefault && Tasks.Any(t => t.Revision != Revision);
}
