using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Deployments;

/// <summary>
/// A deployment's decisions, pure: which replicas to cancel and how many to submit, from its live replicas as last read,
/// and how a replica's ending counts towards the backoff between replacements.
/// </summary>
public static class ReplicaPlan
{
    /// <summary>
    /// Replicas of the current <paramref name="revision"/> are brought to <paramref name="desired"/>: the surplus
    /// cancelled (those not serving first, then the newest), the shortfall submitted. While replicas of an earlier
    /// revision are live (a rolling update), no fewer serve than asked for less the strategy's
    /// <see cref="DeploymentStrategy.MaxUnavailable"/> as long as they did: an old replica is cancelled only once a new one
    /// serves in its place or that many may be missing (or at once when it does not serve itself), and at most
    /// <see cref="DeploymentStrategy.MaxSurge"/> replicas more than asked for are live at a time.
    /// </summary>
    /// <param name="desired">The replicas asked for (0 or more).</param>
    /// <param name="revision">The current revision.</param>
    /// <param name="live">The live (not ended) replicas, oldest first.</param>
    /// <param name="paused">
    /// The rollout is paused (a canary being watched): while replicas of an earlier revision are live the mix holds, no
    /// replica is cancelled for the rollout and none added for it; only what ended is made up (by the current revision),
    /// and the surplus of a scale-down goes, the newest first.
    /// </param>
    /// <param name="strategy">Its rollout's surge and unavailability, shares taken of <paramref name="desired"/>; null: <see cref="DeploymentStrategy.Default"/>.</param>
    public static ReplicaDecision Decide(int desired, int revision, IReadOnlyList<DeploymentReplica> live, bool paused = false, DeploymentStrategy? strategy = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(desired);
        var (surge, unavailable) = (strategy ?? DeploymentStrategy.Default).RolloutFor(desired);
        var current = live.Where(r => r.Revision == revision).ToList();
        var old = live.Where(r => r.Revision != revision).ToList();
        if (paused && old.Count > 0)
        {
            // The surge the rollout had when paused may stay; anything beyond it is a scale-down's.
            var beyond = Math.Max(0, live.Count - (desired + surge));
            var cancelled = live.Select((r, i) => (r, i)).OrderBy(x => x.r.Ready ? 1 : 0).ThenByDescending(x => x.i).Take(beyond).Select(x => x.r.TaskId);
            return new ReplicaDecision([.. cancelled], [], Math.Max(0, desired - live.Count));
        }

        var surplus = Math.Max(0, current.Count - desired);
        var scaledDown = current
            .Select((r, i) => (r, i))
            .OrderBy(x => x.r.Ready ? 1 : 0)
            .ThenByDescending(x => x.i)
            .Take(surplus)
            .Select(x => x.r)
            .ToList();
        var kept = current.Except(scaledDown).ToList();
        var currentReady = kept.Count(r => r.Ready);

        // Old replicas that serve cover what the current revision does not serve yet, less what may be missing; the rest
        // go, oldest first.
        var oldReady = old.Where(r => r.Ready).ToList();
        var oldKept = Math.Min(oldReady.Count, Math.Max(0, desired - unavailable - currentReady));
        var replaced = old.Where(r => !r.Ready).Concat(oldReady.Take(oldReady.Count - oldKept)).ToList();

        var shortfall = desired - kept.Count;
        var room = oldKept > 0 ? desired + surge - (kept.Count + oldKept) : shortfall;
        return new ReplicaDecision(
            [.. scaledDown.Select(r => r.TaskId)],
            [.. replaced.Select(r => r.TaskId)],
            Math.Max(0, Math.Min(shortfall, room)));
    }

    /// <summary>
    /// The failures in a row after a replica ended by itself: one more when it failed or completed within
    /// <see cref="DeploymentRules.StableRun"/> of starting (or never started); none when it ran that long first; unchanged
    /// when someone cancelled it (it is replaced at once, and says nothing of the template).
    /// </summary>
    public static int FailuresAfter(int failuresInRow, VGpuTaskStatus ended)
    {
        ArgumentNullException.ThrowIfNull(ended);
        if (ended.State == TaskState.Cancelled)
        {
            return failuresInRow;
        }

        return ended is { StartedAt: { } started, EndedAt: { } at } && at - started >= DeploymentRules.StableRun ? 0 : failuresInRow + 1;
    }
}
