namespace Orion.Grains.Arbitration;

/// <summary>
/// Whose memory is on a card's device and whose on host RAM. Pure.
/// <para>The rule: memory that may not move stays. Then tasks that need residency now (busy online work
/// first, then by priority, then the most recently active, then the one already on the device), then tasks that do not (idle online services,
/// paused work) in the same order, fill the device while they fit; the rest go to host RAM. So the victims
/// of a move are lower priority, idle and coldest first, and never a busy online task for lower work.</para>
/// </summary>
public static class MemoryArbiter
{
    /// <summary>The tasks whose memory should be resident on a device of <paramref name="deviceMiB"/>.</summary>
    public static IReadOnlySet<string> Resident(long deviceMiB, IEnumerable<MemoryTask> tasks)
    {
        var ordered = tasks
            .OrderByDescending(t => !t.Swappable)
            .ThenByDescending(t => t.WantsResidency)
            .ThenByDescending(t => t.BusyOnline)
            .ThenByDescending(t => t.Priority.Rank)
            .ThenByDescending(t => t.LastActive)
            .ThenByDescending(t => t.Resident)
            .ThenBy(t => t.TaskId, StringComparer.Ordinal);
        var resident = new HashSet<string>(StringComparer.Ordinal);
        var free = deviceMiB;
        foreach (var t in ordered)
        {
            if (!t.Swappable || t.MemoryMiB <= free)
            {
                resident.Add(t.TaskId);
                free -= t.MemoryMiB;
            }
        }

        return resident;
    }
}
