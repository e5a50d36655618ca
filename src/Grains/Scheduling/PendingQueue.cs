using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>Pending tasks in placement order: higher priority first, then earlier arrival, then enqueue order.</summary>
public sealed class PendingQueue
{
    private readonly SortedSet<Entry> entries = new(EntryOrder.Instance);
    private readonly Dictionary<string, Entry> byTask = new(StringComparer.Ordinal);
    private long sequence;

    public int Count => entries.Count;

    public IEnumerable<QueuedTask> InOrder => entries.Select(e => e.Task);

    public bool Contains(string taskId) => byTask.ContainsKey(taskId);

    /// <summary>The queued entry of a task; null when it is not queued.</summary>
    public QueuedTask? Find(string taskId) => byTask.TryGetValue(taskId, out var e) ? e.Task : null;

    /// <summary>True when this exact generation of the task is queued.</summary>
    public bool Holds(string taskId, long generation) => byTask.TryGetValue(taskId, out var e) && e.Task.Generation == generation;

    /// <summary>Adds or replaces the entry of a task; an older generation never replaces a newer one.</summary>
    public bool Add(QueuedTask task)
    {
        if (byTask.TryGetValue(task.TaskId, out var existing))
        {
            if (existing.Task.Generation >= task.Generation)
            {
                return false;
            }

            entries.Remove(existing);
        }

        var entry = new Entry(task, task.Spec.Priority.Rank, sequence++);
        entries.Add(entry);
        byTask[task.TaskId] = entry;
        return true;
    }

    public bool Remove(string taskId)
    {
        if (!byTask.Remove(taskId, out var entry))
        {
            return false;
        }

        entries.Remove(entry);
        return true;
    }

    /// <summary>Takes a queued task's newer word on whether it is on borrowed room (same generation; its place is kept).</summary>
    public bool Refresh(QueuedTask task)
    {
        if (!byTask.TryGetValue(task.TaskId, out var e) || e.Task.Generation != task.Generation || e.Task.Borrowed == task.Borrowed)
        {
            return false;
        }

        entries.Remove(e);
        var refreshed = e with { Task = task };
        entries.Add(refreshed);
        byTask[task.TaskId] = refreshed;
        return true;
    }

    private sealed record Entry(QueuedTask Task, int Rank, long Sequence);

    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            var c = y!.Rank.CompareTo(x!.Rank);
            if (c != 0)
            {
                return c;
            }

            c = x.Task.SubmittedAt.CompareTo(y.Task.SubmittedAt);
            return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
