using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// How much of its <see cref="TaskSpec.MaxRuntime"/> a run has used: the time since it started, less the time it spent
/// paused by higher-priority work (an offline run preempted all afternoon has not run all afternoon). Pure.
/// </summary>
public static class RunLimit
{
    /// <summary>
    /// The run's time left at <paramref name="now"/>: null when the task has no limit or no run under way (not started,
    /// or ended); zero or less when it is past its limit.
    /// </summary>
    /// <param name="status">The task as it stands.</param>
    /// <param name="pausedBeforeRun">Its time paused (<see cref="VGpuTaskStatus.SuspendedFor"/>) when this run started.</param>
    /// <param name="now">The pool's clock.</param>
    public static TimeSpan? Left(VGpuTaskStatus status, TimeSpan pausedBeforeRun, DateTimeOffset now)
    {
        if (status.Spec.MaxRuntime is not { } limit || status.StartedAt is not { } started || !status.State.HoldsCapacity())
        {
            return null;
        }

        var paused = status.SuspendedUntil(now) - pausedBeforeRun;
        var used = now - started - (paused > TimeSpan.Zero ? paused : TimeSpan.Zero);
        return limit - used;
    }

    /// <summary>Why a run past its limit ended, as its exit reason says it.</summary>
    public static string Reason(TimeSpan limit) => $"ran past its max runtime of {Durations.Format(limit)} (each run's limit, not counting time paused)";
}
