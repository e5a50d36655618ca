namespace Orion.NodeDaemon;

/// <summary>
/// Turns readings of how much each online task computes on its cards into the busy/idle transitions an SDK lease would
/// send: busy at the first reading at or above <see cref="BusyPercent"/>, idle after <see cref="HoldTime"/> of readings
/// under it, so a pause between requests does not resume offline work only to pause it again.
/// </summary>
public sealed class MeasuredDemand
{
    private readonly Dictionary<string, State> tasks = new(StringComparer.Ordinal);

    /// <summary>
    /// The share of its cards' time (percent) a task must compute in a reading to count as busy. Low, as a lease counts any
    /// request: a higher bar lets light traffic through unpreempted, but offline work slows an online process's kernels
    /// (they share the card's time), which lifts its readings over the bar and pauses that work again.
    /// </summary>
    public double BusyPercent { get; init; } = 1;

    /// <summary>How long a busy task must stay under <see cref="BusyPercent"/> before it counts as idle.</summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Takes one reading of a task's activity at <paramref name="at"/>; true (now busy) or false (now idle) when its demand
    /// changed, null when it did not. A task is idle until a reading says otherwise.
    /// </summary>
    public bool? Observe(string taskId, double activityPercent, DateTimeOffset at)
    {
        if (!tasks.TryGetValue(taskId, out var state))
        {
            tasks[taskId] = state = new State();
        }

        if (activityPercent >= BusyPercent)
        {
            state.LastActive = at;
            if (!state.Busy)
            {
                state.Busy = true;
                return true;
            }

            return null;
        }

        if (state.Busy && at - state.LastActive >= HoldTime)
        {
            state.Busy = false;
            return false;
        }

        return null;
    }

    /// <summary>True while the task counts as busy.</summary>
    public bool IsBusy(string taskId) => tasks.TryGetValue(taskId, out var state) && state.Busy;

    /// <summary>Takes back the last transition (it could not be delivered), so the next reading that bears it out gives it again.</summary>
    public void Undo(string taskId)
    {
        if (tasks.TryGetValue(taskId, out var state))
        {
            state.Busy = !state.Busy;
        }
    }

    /// <summary>Drops a task that ended; a new one under the same id starts idle.</summary>
    public void Forget(string taskId) => tasks.Remove(taskId);

    private sealed class State
    {
        public bool Busy { get; set; }

        public DateTimeOffset LastActive { get; set; }
    }
}
