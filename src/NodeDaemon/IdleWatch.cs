using Orion.Contracts;

namespace Orion.NodeDaemon;

/// <summary>
/// Turns readings of how much each watched run computes on its cards into the moment it has left them idle for its
/// <see cref="TaskLaunch.IdleTimeout"/>: under <see cref="BusyPercent"/> in every reading since, not counting time it
/// was paused (by higher-priority work, which is not the run's idleness).
/// </summary>
public sealed class IdleWatch
{
    private readonly Dictionary<string, (long Generation, DateTimeOffset At)> activeAt = new(StringComparer.Ordinal);

    /// <summary>The share of its cards' time (percent) a run must compute in a reading to count as in use.</summary>
    public double BusyPercent { get; init; } = 1;

    /// <summary>
    /// Takes one reading of run <paramref name="generation"/> of a task at <paramref name="at"/>: how long it has been
    /// idle once that reaches <paramref name="timeout"/> (and then counts again from <paramref name="at"/>, so it is said
    /// once a timeout), else null. The first reading of a run starts its count.
    /// </summary>
    public TimeSpan? Observe(string taskId, long generation, double activityPercent, bool paused, TimeSpan timeout, DateTimeOffset at)
    {
        if (!activeAt.TryGetValue(taskId, out var since) || since.Generation != generation || paused || activityPercent >= BusyPercent)
        {
            activeAt[taskId] = (generation, at);
            return null;
        }

        var idle = at - since.At;
        if (idle < timeout)
        {
            return null;
        }

        activeAt[taskId] = (generation, at);
        return idle;
    }

    /// <summary>Drops a run that ended; a new one under the same id starts its own count.</summary>
    public void Forget(string taskId) => activeAt.Remove(taskId);
}
