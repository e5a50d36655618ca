using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Deployments;

/// <summary>The revisions a deployment keeps (its last <see cref="Kept"/>, the current one last), and which one a roll back goes to.</summary>
public static class RevisionHistory
{
    /// <summary>How many revisions a deployment keeps, the current one among them.</summary>
    public const int Kept = 10;

    /// <summary>The history with <paramref name="revision"/> last, the oldest dropped beyond <see cref="Kept"/>.</summary>
    public static List<DeploymentRevision> Append(IEnumerable<DeploymentRevision> history, DeploymentRevision revision) =>
        [.. history.Append(revision).TakeLast(Kept)];

    /// <summary>
    /// The revision a failed rollout rolls back to by itself (<see cref="DeploymentStrategy.RollBackOnFailure"/>): once the
    /// <paramref name="current"/> revision's replicas failed <see cref="DeploymentRules.RolloutFailures"/> times in a row,
    /// or once its rollout went past its progress deadline (<paramref name="stalled"/>), the last revision that was rolled
    /// out in full (<paramref name="lastRolledOut"/>), while it is kept; else null (nothing proven to go back to). Never from
    /// a revision that is itself such a roll back (<paramref name="currentIsRollBack"/>): two bad specs would take turns.
    /// </summary>
    public static DeploymentRevision? FailedRolloutTarget(
        int current, int failuresInRow, int lastRolledOut, IReadOnlyList<DeploymentRevision> history, bool currentIsRollBack = false, bool stalled = false) =>
        !currentIsRollBack && (failuresInRow >= DeploymentRules.RolloutFailures || stalled) && lastRolledOut != current
            ? history.LastOrDefault(h => h.Revision == lastRolledOut)
            : null;

    /// <summary>
    /// The template a roll back applies: the revision before the current one (<paramref name="to"/> null), or revision
    /// <paramref name="to"/> while it is kept; otherwise why not. <paramref name="previous"/> is the revision before the
    /// current one, for a deployment created before revisions were kept.
    /// </summary>
    public static (TaskSpec? Template, ImmutableArray<ValidationError> Errors) Target(int current, IReadOnlyList<DeploymentRevision> history, TaskSpec? previous, int? to)
    {
        if (to is null)
        {
            var before = history.Count >= 2 ? history[^2].Template : previous;
            return before is null
                ? (null, [new("revision", $"is {current}, the deployment's first template: there is none to roll back to")])
                : (before, []);
        }

        if (to < 1 || to >= current)
        {
            return (null, [new("toRevision", current == 1
                ? $"is {to}, but the deployment has had one template (revision 1): there is none to roll back to"
                : $"must be an earlier revision, 1 to {current - 1}, not {to} (the current one is {current})")]);
        }

        return history.FirstOrDefault(r => r.Revision == to) is { } kept
            ? (kept.Template, [])
            : (null, [new("toRevision", $"is {to}, which is no longer kept: the deployment keeps its last {Kept} revisions ({string.Join(", ", history.Select(r => r.Revision))})")]);
    }
}
