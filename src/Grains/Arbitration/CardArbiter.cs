namespace Orion.Grains.Arbitration;

/// <summary>
/// Who runs on one card when busy online work and other work want it at once. Pure.
/// <para>The rule: busy online tasks always run. If none is busy, nothing is paused (offline tasks share
/// the card in proportion to their shares, even past 100%). If some are, the card's 100% minus the busy
/// tasks' shares is offered to the other started tasks from the highest priority down (ties: one whose memory is all
/// on the device, which can run at once, before one that would first wait for its memory and push a neighbour's out;
/// then the one paused longest so far; then the earlier task id); a task whose share still fits runs, one whose share
/// does not is paused. Equals thus take turns yielding instead of one of them yielding every time: they finish
/// together, and none is left alone later on a card it cannot fill. So lower priority
/// pauses only when the busy tasks' shares plus its own would exceed the card. Idle online tasks neither
/// pause nor count: they use no compute.</para>
/// </summary>
public static class CardArbiter
{
    /// <summary>A card's whole compute, in thousandths.</summary>
    public const int CardMilli = 1000;

    /// <summary>The tasks that must be paused now.</summary>
    public static IReadOnlySet<string> Paused(IEnumerable<ArbitrationTask> tasks)
    {
        var all = tasks.ToList();
        var busy = all.Where(t => t.IsOnline && t.Busy).ToList();
        var paused = new HashSet<string>(StringComparer.Ordinal);
        if (busy.Count == 0)
        {
            return paused;
        }

        var budget = CardMilli - busy.Sum(t => t.ComputeMilli);
        var contenders = all
            .Where(t => !t.IsOnline && t.Started)
            .OrderByDescending(t => t.Priority.Rank)
            .ThenByDescending(t => t.Resident)
            .ThenByDescending(t => t.PausedFor)
            .ThenBy(t => t.TaskId, StringComparer.Ordinal);
        foreach (var t in contenders)
        {
            if (t.ComputeMilli <= budget)
            {
                budget -= t.ComputeMilli;
            }
            else
            {
                paused.Add(t.TaskId);
            }
        }

        return paused;
    }
}
