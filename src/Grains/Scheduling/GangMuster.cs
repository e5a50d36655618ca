using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Which gangs a round may place: a gang's members wait in the queue until all of them are there. Pure. A member waits
/// for its gang when first queued and after its gang restarted (<see cref="QueuedTask.GangWaits"/>); one queued again on
/// its own after it was placed (evicted by a drain, its start lost) is placed alone, as the rest of its gang runs.
/// </summary>
public static class GangMuster
{
    /// <summary>Whether <paramref name="task"/> waits for its gang to be placed with it.</summary>
    public static bool Waits(QueuedTask task) => task.Spec.Gang is not null && task.GangWaits;

    /// <summary>
    /// The gangs of <paramref name="members"/>: each complete one as its first <see cref="GangSpec.Size"/> members in
    /// queue order among <paramref name="queued"/> (those <paramref name="free"/> to place), and why each member of an
    /// incomplete one, or beyond a complete one's size, waits.
    /// </summary>
    public static (List<List<QueuedTask>> Complete, Dictionary<string, string> Waiting) Gather(
        IEnumerable<QueuedTask> members, IEnumerable<QueuedTask> queued, Func<QueuedTask, bool> free)
    {
        // In the order members first show them, so a caller passing the queue gets its gangs in queue order.
        var keys = members.Where(Waits).Select(KeyOf).Distinct().ToList();
        var complete = new List<List<QueuedTask>>();
        var waiting = new Dictionary<string, string>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return (complete, waiting);
        }

        var wanted = keys.ToHashSet();
        var found = new Dictionary<(string, string, int), List<QueuedTask>>();
        foreach (var task in queued)
        {
            if (Waits(task) && wanted.Contains(KeyOf(task)) && free(task))
            {
                var key = KeyOf(task);
                if (!found.TryGetValue(key, out var list))
                {
                    found[key] = list = [];
                }

                list.Add(task);
            }
        }

        foreach (var key in keys)
        {
            var list = found.GetValueOrDefault(key) ?? [];
            var (_, name, size) = key;
            if (list.Count >= size)
            {
                complete.Add(list[..size]);
                foreach (var extra in list[size..])
                {
                    waiting[extra.TaskId] = $"gang {name} has its {size} members; this one is beyond its size";
                }
            }
            else
            {
                foreach (var member in list)
                {
                    waiting[member.TaskId] = $"gang {name}: {list.Count} of {size} members queued";
                }
            }
        }

        return (complete, waiting);
    }

    /// <summary>What tells one gang from another: its tenant, name and size.</summary>
    public static string Key(QueuedTask task) => $"{task.Spec.Tenant}/{task.Spec.Gang!.Name}/{task.Spec.Gang.Size}";

    private static (string Tenant, string Name, int Size) KeyOf(QueuedTask task) => (task.Spec.Tenant, task.Spec.Gang!.Name, task.Spec.Gang.Size);
}
