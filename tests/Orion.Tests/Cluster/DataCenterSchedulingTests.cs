using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A scheduler per data centre: routing, pinned tasks, spill-over of new and queued tasks, queue recovery.</summary>
public sealed class DataCenterSchedulingTests
{
    private static TaskSpec WholeCard(string? pin = null, string? prefer = null, double gpuMs = 3_600_000) =>
        Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: gpuMs) with
        {
            Constraints = PlacementConstraints.None with { DataCenter = pin, PreferredDataCenter = prefer },
        };

    private static SchedulerSnapshot Of(SchedulerSnapshot pool, string dataCenter) => pool.DataCenters.Single(d => d.DataCenter == dataCenter);

    [Fact]
    public async Task Each_data_centre_has_its_own_scheduler_indexing_only_its_nodes_and_a_pinned_task_is_placed_by_it()
    {
        await using var pool = await StartAsync([Node("e0", gpus: 1, dc: "east"), Node("e1", gpus: 1, dc: "east"), Node("w0", gpus: 1, dc: "west")]);
        var schedulers = await pool.SchedulerSnapshot();
        Assert.Equal(["east", "west"], schedulers.DataCenters.Select(d => d.DataCenter).ToArray());
        Assert.Equal((2, 1), (Of(schedulers, "east").Nodes, Of(schedulers, "west").Nodes));

        await pool.SubmitAsync(WholeCard(pin: "west"), "pinned");
        var placed = await pool.WaitForAsync("pinned", TaskState.Running);
        Assert.Equal(("west/w0", "west"), (placed.Placement!.NodeId, placed.QueuedIn));
        schedulers = await pool.SchedulerSnapshot();
        Assert.Equal((0L, 1L), (Of(schedulers, "east").Placements, Of(schedulers, "west").Placements));

        // West is full: a second pinned task waits in west's queue, though east has room.
        await pool.SubmitAsync(WholeCard(pin: "west"), "pinned-waits");
        schedulers = await pool.SchedulerSnapshot();
        Assert.Equal(["pinned-waits"], Of(schedulers, "west").Queue.ToArray());
        Assert.Empty(Of(schedulers, "east").Queue);
        Assert.Equal(["pinned-waits"], schedulers.Queue.ToArray());
    }

    [Fact]
    public async Task A_task_naming_no_data_centre_goes_to_the_one_with_most_room()
    {
        await using var pool = await StartAsync([Node("e0", gpus: 1, dc: "east"), Node("w0", gpus: 2, dc: "west")]);
        await pool.EventuallyAsync(async () => Assert.Equal(2, (await pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetDataCenters()).Count(d => d.Nodes > 0)));
        await pool.SubmitAsync(WholeCard(), "anywhere");
        var placed = await pool.WaitForAsync("anywhere", TaskState.Running);
        Assert.Equal(("west", "west/w0"), (placed.QueuedIn, placed.Placement!.NodeId));
    }

    [Fact]
    public async Task A_task_preferring_a_full_data_centre_is_placed_by_another_data_centres_scheduler()
    {
        await using var pool = await StartAsync([Node("e0", gpus: 1, dc: "east"), Node("w0", gpus: 1, dc: "west")]);
        await pool.SubmitAsync(WholeCard(prefer: "west"), "first");
        await pool.SubmitAsync(WholeCard(prefer: "west"), "second");
        Assert.Equal("west/w0", (await pool.WaitForAsync("first", TaskState.Running)).Placement!.NodeId);
        var second = await pool.WaitForAsync("second", TaskState.Running);
        Assert.Equal(("west", "east/e0"), (second.QueuedIn, second.Placement!.NodeId));
        var schedulers = await pool.SchedulerSnapshot();
        Assert.Equal((1L, 1L), (Of(schedulers, "east").Placements, Of(schedulers, "west").Placements));
        Assert.Empty(schedulers.Queue);
    }

    [Fact]
    public async Task A_queued_task_that_may_run_anywhere_is_placed_when_another_data_centre_frees_capacity_and_a_pinned_one_is_not()
    {
        await using var pool = await StartAsync([Node("e0", gpus: 1, dc: "east"), Node("w0", gpus: 1, dc: "west")]);
        await pool.SubmitAsync(WholeCard(pin: "east"), "east-busy");
        await pool.SubmitAsync(WholeCard(pin: "west"), "west-busy");
        await pool.WaitForAsync("east-busy", TaskState.Running);
        await pool.WaitForAsync("west-busy", TaskState.Running);
        await pool.SubmitAsync(WholeCard(pin: "west"), "west-only");
        await pool.SubmitAsync(WholeCard(prefer: "west"), "spillable");
        Assert.Equal(["west-only", "spillable"], Of(await pool.SchedulerSnapshot(), "west").Queue.ToArray());

        // East frees its card: west offers it the task that may run anywhere, and keeps the pinned one.
        await pool.Client.CancelAsync("east-busy", "make room");
        var spilled = await pool.WaitForAsync("spillable", TaskState.Running);
        Assert.Equal("east/e0", spilled.Placement!.NodeId);
        Assert.Equal(TaskState.Pending, await pool.StateOf("west-only"));
        await pool.EventuallyAsync(async () => Assert.Equal(["west-only"], (await pool.SchedulerSnapshot()).Queue.ToArray()));
        await pool.AssertConsistentAsync(["east-busy", "west-busy", "west-only", "spillable"]);
    }

    [Fact]
    public async Task A_scheduler_that_lost_its_activation_recovers_its_queue_from_the_catalogue_at_once()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(WholeCard(), "busy");
        await pool.WaitForAsync("busy", TaskState.Running);
        await pool.SubmitAsync(WholeCard(), "waiting");
        Assert.Equal(["waiting"], (await pool.SchedulerSnapshot()).Queue.ToArray());

        // The scheduler's activation goes (as with its silo); no reminder runs here (in-memory pool, no queue recovery).
        var scheduler = pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("dc1"));
        Assert.Equal(1L, (await scheduler.GetSnapshot()).Placements);
        await scheduler.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () => Assert.Equal(["waiting"], (await scheduler.GetSnapshot()).Queue.ToArray()));
        Assert.Equal(0L, (await scheduler.GetSnapshot()).Placements); // a new activation

        // The recovered queue is live: the freed card goes to the waiting task.
        await pool.Client.CancelAsync("busy", "make room");
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("waiting", TaskState.Running)).Placement!.NodeId);
    }
}
