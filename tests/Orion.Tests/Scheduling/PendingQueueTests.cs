using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class PendingQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static QueuedTask Task(string id, PriorityClass c, int level, int second, long generation = 1) =>
        new(id, generation, Specs.Batch(priority: c, level: level), T0.AddSeconds(second));

    [Fact]
    public void Orders_by_priority_then_arrival()
    {
        var q = new PendingQueue();
        q.Add(Task("offline-early", PriorityClass.Offline, 0, 1));
        q.Add(Task("online", PriorityClass.Online, 0, 5));
        q.Add(Task("offline-high", PriorityClass.Offline, 7, 9));
        q.Add(Task("training", PriorityClass.Training, 0, 8));
        q.Add(Task("offline-late", PriorityClass.Offline, 0, 3));
        Assert.Equal(["online", "training", "offline-high", "offline-early", "offline-late"], q.InOrder.Select(t => t.TaskId));
    }

    [Fact]
    public void A_newer_generation_replaces_an_entry_and_an_older_or_equal_one_does_not()
    {
        var q = new PendingQueue();
        Assert.True(q.Add(Task("a", PriorityClass.Offline, 0, 1, generation: 2)));
        Assert.False(q.Add(Task("a", PriorityClass.Offline, 0, 1, generation: 2)));
        Assert.False(q.Add(Task("a", PriorityClass.Offline, 0, 1, generation: 1)));
        Assert.True(q.Add(Task("a", PriorityClass.Online, 0, 1, generation: 3)));
        Assert.Equal(1, q.Count);
        Assert.Equal(3, q.InOrder.Single().Generation);
        Assert.True(q.Remove("a"));
        Assert.False(q.Remove("a"));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void A_loan_repaid_keeps_its_place_and_only_its_own_generation_is_refreshed()
    {
        var q = new PendingQueue();
        q.Add(Task("first", PriorityClass.Offline, 0, 1));
        q.Add(Task("lent", PriorityClass.Offline, 0, 2) with { Borrowed = true });
        q.Add(Task("last", PriorityClass.Offline, 0, 3));
        Assert.False(q.Refresh(Task("lent", PriorityClass.Offline, 0, 2, generation: 2)));
        Assert.False(q.Refresh(Task("lent", PriorityClass.Offline, 0, 2) with { Borrowed = true }));
        Assert.True(q.Refresh(Task("lent", PriorityClass.Offline, 0, 2)));
        Assert.Equal([("first", false), ("lent", false), ("last", false)], q.InOrder.Select(t => (t.TaskId, t.Borrowed)));
        Assert.False(q.Refresh(Task("absent", PriorityClass.Offline, 0, 2)));
    }
}
