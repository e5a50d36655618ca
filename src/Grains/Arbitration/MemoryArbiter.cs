namespace Orion.Grains.Arbitration;

/// <summary>
/// How much of each task's memory is on a card's device and how much on host RAM. Pure.
/// <para>The rule: memory that may not move stays. Tasks that need residency now (busy online work first, then by
/// priority, then the most recently active, then the one with more on the device) get all of theirs while it fits.
/// Every other task (idle online services, paused work, and work that does not fit) keeps, in the same order, as much
/// of what it has on the device as the room left allows, in whole pages; the rest goes to host RAM. So the victims of
/// a move are lower priority, idle and coldest first, never a busy online task for lower work; only the shortfall
/// moves out (a paused batch beside a service that wakes gives up just what the service needs); and memory comes back
/// only for a task that needs it now, never ahead of need, so a paused task's pages do not swing in and out with its
/// neighbours' requests.</para>
/// </summary>
public static class MemoryArbiter
{
    /// <summary>The size of the pages memory moves in.</summary>
    public const long PageMiB = 2;

    /// <summary>The tasks whose memory should be wholly resident on a device of <paramref name="deviceMiB"/>.</summary>
    public static IReadOnlySet<string> Resident(long deviceMiB, IEnumerable<MemoryTask> tasks)
    {
        var list = tasks.ToList();
        var plan = Plan(deviceMiB, list);
        return list.Where(t => plan[t.TaskId] >= t.MemoryMiB).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>How many MiB of each task's memory should be on a device of <paramref name="deviceMiB"/> (the rest on host RAM).</summary>
    public static IReadOnlyDictionary<string, long> Plan(long deviceMiB, IEnumerable<MemoryTask> tasks)
    {
        var ordered = tasks
            .OrderByDescending(t => !t.Swappable)
            .ThenByDescending(t => t.WantsResidency)
            .ThenByDescending(t => t.BusyOnline)
            .ThenByDescending(t => t.Priority.Rank)
            .ThenByDescending(t => t.LastActive)
            .ThenByDescending(t => t.ResidentMiB)
            .ThenBy(t => t.TaskId, StringComparer.Ordinal)
            .ToList();
        var plan = new Dictionary<string, long>(StringComparer.Ordinal);
        var free = deviceMiB;

        // Memory comes in only for a task that needs it now, and all of it: first whoever that fits, in order.
        foreach (var t in ordered.Where(t => !t.Swappable || (t.WantsResidency && t.MemoryMiB <= free)))
        {
            plan[t.TaskId] = t.MemoryMiB;
            free -= t.MemoryMiB;
        }

        // The rest keep what they have on the device as far as room is left (whole pages), so only the shortfall moves out.
        foreach (var t in ordered.Where(t => !plan.ContainsKey(t.TaskId)))
        {
            var keep = Math.Min(Math.Min(t.ResidentMiB, t.MemoryMiB), Math.Max(0, free) / PageMiB * PageMiB);
            plan[t.TaskId] = keep;
            free -= keep;
        }

        return plan;
    }
}
