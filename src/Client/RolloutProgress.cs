using Orion.Contracts;

namespace Orion.Client;

/// <summary>
/// Where a deployment's rollout stands, as <see cref="OrionClient.WaitForRolloutAsync"/> and <c>orion rollout status</c>
/// report it: done, failed, or how far it got.
/// </summary>
/// <param name="Status">The deployment as read.</param>
/// <param name="Done">Every replica asked for is of the current revision and serves, and no other is live.</param>
/// <param name="Failure">Why it will not finish without someone acting (paused, its replicas keep failing, or it passed its progress deadline); null otherwise.</param>
/// <param name="Text">In words, such as "revision 2: 1 of 3 new replicas ready, 2 old live".</param>
public sealed record RolloutProgress(DeploymentStatus Status, bool Done, string? Failure, string Text)
{
    /// <summary>Where the rollout of <paramref name="d"/> stands.</summary>
    public static RolloutProgress Of(DeploymentStatus d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var old = d.Tasks.Length - d.Current;
        var done = d.RolledOut;
        var text = done
            ? $"revision {d.Revision} rolled out: {d.Ready} of {d.Replicas} ready"
            : $"revision {d.Revision}: {d.Ready} of {d.Replicas} new replicas ready{(d.Current > d.Ready ? $", {d.Current - d.Ready} not yet" : "")}{(old > 0 ? $", {old} old live" : "")}";
        var failure = done ? null
            : d.Paused && old > 0 ? $"rollout paused at revision {d.Revision} (orion rollout resume {d.Name} goes on)"
            : d.FailuresInRow >= DeploymentRules.RolloutFailures ? $"revision {d.Revision}'s replicas keep failing ({d.FailuresInRow} in a row; last: {d.LastFailure})"
            : d.Stalled ? $"revision {d.Revision} made no progress in {Durations.Format(d.Strategy?.ProgressDeadline ?? TimeSpan.Zero)} (its progress deadline)"
            : null;
        return new RolloutProgress(d, done, failure, text);
    }
}
