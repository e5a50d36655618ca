using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class LoanReclaimTests
{
    private static readonly HashSet<string> NoneBusy = [];

    private static GpuSlice Slice(string task, int milli, bool borrowed = true, PriorityClass priority = PriorityClass.Offline) =>
        new(task, 1, milli, milli * 80L, milli == 1000, new TaskPriority(priority), Tenant: borrowed ? "lender" : "owner", Borrowed: borrowed);

    /// <summary>A node of two 80 GiB cards and 16 cores; every borrowed slice's task holds 4 cores and 8 GiB of host memory.</summary>
    private static NodeSnapshot Node(string id, long cpuAllocated, params GpuSlice[][] cards) =>
        new(id, "dc1", 16_000, cpuAllocated, 65_536, 0,
            [.. cards.Select((slices, i) => new GpuSnapshot(new GpuDevice($"{id}/{i}", i, "A100-80GB", 80_000, 1.0, 31.5, $"GPU-{i}"), 1000, [.. slices], 1))],
            true, 1,
            Borrowed: [.. cards.SelectMany(c => c).Where(s => s.Borrowed).DistinctBy(s => s.TaskId).Select(s => new BorrowedHolding(s.TaskId, s.Generation, 4000, 8192))]);

    private static PlacementRequest Wants(int milli, long cpuMilli = 1000, int gpus = 1) =>
        new(gpus, gpus > 1 ? 1000 : milli, gpus > 1 ? 0 : milli * 80L, cpuMilli, 1024, []);

    [Fact]
    public void The_fewest_borrowed_tasks_that_make_room_are_evicted_largest_first_and_none_more()
    {
        // Card 0: borrowed 600 + 300; card 1: borrowed 200 beside the owner's 700. A 500 fits card 0 once the 600 goes.
        var node = Node("dc1/n0", 12_000, [Slice("b600", 600), Slice("b300", 300)], [Slice("b200", 200), Slice("own", 700, borrowed: false)]);
        var victims = LoanReclaim.Victims(node, Wants(500));
        Assert.Equal(["b600"], victims!.Value.Select(v => v.TaskId));

        // A whole card needs both of card 0's (the owner's 700 never moves).
        Assert.Equal(["b300", "b600"], LoanReclaim.Victims(node, Wants(1000))!.Value.Select(v => v.TaskId).Order());

        // Nothing the owner holds is ever counted on: two whole cards cannot be made.
        Assert.Null(LoanReclaim.Victims(node, Wants(1000, gpus: 2)));
    }

    [Fact]
    public void Host_resources_freed_by_the_evicted_count_and_those_missing_stop_a_reclaim()
    {
        // The cards have room but the host is full (16 cores held): only evicting a borrowed task frees its 4 cores.
        var node = Node("dc1/n0", 16_000, [Slice("b100", 100)], [Slice("own", 100, borrowed: false)]);
        Assert.Equal(["b100"], LoanReclaim.Victims(node, Wants(100, cpuMilli: 4000))!.Value.Select(v => v.TaskId));
        Assert.Null(LoanReclaim.Victims(node, Wants(100, cpuMilli: 4001)));
    }

    [Fact]
    public void Training_on_loan_goes_after_offline_work_on_loan()
    {
        var node = Node("dc1/n0", 8000, [Slice("train", 500, priority: PriorityClass.Training), Slice("batch", 500)]);
        Assert.Equal(["batch"], LoanReclaim.Victims(node, Wants(500))!.Value.Select(v => v.TaskId));
    }

    [Fact]
    public void Each_waiting_task_gets_the_node_with_fewest_evictions_each_node_once_and_busy_nodes_none()
    {
        var two = Node("dc1/a", 8000, [Slice("a1", 500), Slice("a2", 500)]);
        var one = Node("dc1/b", 4000, [Slice("b1", 1000)]);
        var plans = LoanReclaim.Plan([two, one], [("w1", Wants(1000)), ("w2", Wants(1000)), ("w3", Wants(1000))], NoneBusy, 16);
        Assert.Equal(["w1 dc1/b b1", "w2 dc1/a a1,a2"], plans.Select(p => $"{p.ForTaskId} {p.NodeId} {string.Join(',', p.Victims.Select(v => v.TaskId).Order())}"));

        // A node whose evictions are under way is left alone, and so is a waiting task past the limit.
        Assert.Equal(["w1 dc1/a"], LoanReclaim.Plan([two, one], [("w1", Wants(1000))], new HashSet<string> { "dc1/b" }, 16).Select(p => $"{p.ForTaskId} {p.NodeId}"));
        Assert.Single(LoanReclaim.Plan([two, one], [("w1", Wants(1000)), ("w2", Wants(1000))], NoneBusy, 1));

        // So is a node whose spread domain is full for the task, as the scheduler's view counts it.
        Assert.Equal(["w1 dc1/a"], LoanReclaim.Plan([two, one], [("w1", Wants(1000))], NoneBusy, 16, (node, _) => node != "dc1/b").Select(p => $"{p.ForTaskId} {p.NodeId}"));
    }

    [Fact]
    public void A_cordoned_node_or_one_without_loans_is_never_reclaimed_from()
    {
        var cordoned = Node("dc1/a", 4000, [Slice("a1", 1000)]) with { Schedulable = false };
        var owned = Node("dc1/b", 4000, [Slice("own", 1000, borrowed: false)]);
        Assert.Empty(LoanReclaim.Plan([cordoned, owned], [("w", Wants(1000))], NoneBusy, 16));
    }
}
