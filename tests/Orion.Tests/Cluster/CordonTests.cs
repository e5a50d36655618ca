using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Cordoning a node stops new work landing there; draining it moves its tasks elsewhere; both for maintenance.</summary>
public sealed class CordonTests
{
    private static TaskSpec Long(double computePercent = 100) => Specs.Batch(computePercent: computePercent, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9);

    [Fact]
    public async Task A_cordoned_node_takes_no_new_task_keeps_its_running_ones_and_takes_work_again_once_uncordoned()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        var first = await pool.SubmitAsync(Long(50), "first");
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("first", TaskState.Running)).Placement!.NodeId);

        var cordoned = await pool.Client.CordonAsync("dc1/n0", "firmware update");
        Assert.Equal(("firmware update", false), (cordoned!.CordonReason, cordoned.Schedulable));

        // n0 has half a card free, but new work goes to n1, and then waits.
        await pool.SubmitAsync(Long(50), "second");
        Assert.Equal("dc1/n1", (await pool.WaitForAsync("second", TaskState.Running)).Placement!.NodeId);
        await pool.SubmitAsync(Long(60), "third");
        Assert.Equal(TaskState.Pending, await pool.StateOf("third"));
        Assert.Equal(TaskState.Running, await pool.StateOf(first.TaskId));
        var node = (await pool.Client.GetPoolAsync()).Nodes.Single(n => n.NodeId == "dc1/n0");
        Assert.Equal("firmware update", node.CordonReason);

        // Its reservations are refused at the node itself, whatever a scheduler's view says.
        var refused = await pool.Grains.GetGrain<INodeGrain>("dc1/n0").Reserve(new ReservationRequest("direct", 1, ["dc1/n0/0"], 100, 1024, false, 100, 100, new TaskPriority(PriorityClass.Offline)));
        Assert.Equal((false, "node dc1/n0 is cordoned: firmware update"), (refused.Accepted, refused.Reason));

        // Uncordoned, it takes the waiting task once the first leaves room (60% does not fit beside 50%).
        Assert.True((await pool.Client.UncordonAsync("dc1/n0"))!.Schedulable);
        await pool.Client.CancelAsync("first");
        Assert.Equal("dc1/n0", (await pool.WaitForAsync("third", TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["first", "second", "third"]);
    }

    [Fact]
    public async Task A_cordon_outlives_the_node_grains_activation()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.CordonAsync("dc1/n0", "rack power work");
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        await node.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Null(await node.GetSnapshot());

        // The daemon's next heartbeat registers it with a fresh activation, which read the cordon from storage.
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Equal("rack power work", (await node.GetSnapshot())?.CordonReason);
        });
        await pool.SubmitAsync(Long(), "waits");
        Assert.Equal(TaskState.Pending, await pool.StateOf("waits"));
    }

    [Fact]
    public async Task Draining_a_node_moves_its_tasks_to_other_nodes_as_new_placements_and_leaves_it_empty_and_cordoned()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        string[] ids = ["a", "b", "c"];
        foreach (var id in ids)
        {
            await pool.SubmitAsync(Long(40) with { Restart = RestartPolicy.OnFailure(3) }, id);
        }

        // Three 40% tasks fill n0's two cards first (the policy packs), so n0 holds all three or most of them.
        var before = new Dictionary<string, VGpuTaskStatus>();
        foreach (var id in ids)
        {
            before[id] = await pool.WaitForAsync(id, TaskState.Running);
        }

        var onN0 = ids.Where(id => before[id].Placement!.NodeId == "dc1/n0").ToArray();
        Assert.NotEmpty(onN0);

        var drained = await pool.Client.DrainAsync("dc1/n0", "disk replacement");
        Assert.Equal(onN0, drained.Evicted.Order());
        Assert.Empty(drained.Left);
        Assert.Equal("disk replacement", drained.Node!.CordonReason);

        foreach (var id in onN0)
        {
            var moved = await pool.WaitForAsync(id, TaskState.Running);
            Assert.Equal("dc1/n1", moved.Placement!.NodeId);
            Assert.Equal(before[id].Generation + 1, moved.Generation);
            Assert.Equal(0, moved.Restarts);
        }

        var n0 = await pool.NodeSnapshot("n0");
        Assert.All(n0.Gpus, g => Assert.Empty(g.Slices));
        Assert.Empty(pool.Backend("n0").Running);
        Assert.Empty(await pool.Grains.GetGrain<INodeGrain>("dc1/n0").ListTasks());
        await pool.AssertConsistentAsync(ids);
    }

    [Fact]
    public async Task A_reservation_no_task_can_give_up_yet_is_reported_left_and_a_later_drain_finds_the_node_empty()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.SubmitAsync(Long(40), "running");
        var from = (await pool.WaitForAsync("running", TaskState.Running)).Placement!;

        // Held on the node for a task that is not Placing or Running there: a placement on its way to its task, which the
        // task cannot be asked to give up yet.
        var node = pool.Grains.GetGrain<INodeGrain>(from.NodeId);
        Assert.True((await node.Reserve(new ReservationRequest("on-its-way", 1, [from.GpuIds[0]], 300, 1024, false, 1000, 1024))).Accepted);

        var first = await pool.Client.DrainAsync(from.NodeId, "psu swap");
        Assert.Equal(["running"], first.Evicted.ToArray());
        Assert.Equal(["on-its-way"], first.Left.ToArray());

        // Nothing claims it, so the node lets it go after the placing timeout; draining again then leaves the node empty.
        pool.Advance(new Orion.Grains.PoolOptions().PlacingTimeout + TimeSpan.FromSeconds(1));
        await pool.EventuallyAsync(async () => Assert.Empty(await node.ListTasks()));
        var second = await pool.Client.DrainAsync(from.NodeId, "psu swap");
        Assert.Equal((0, 0), (second.Evicted.Length, second.Left.Length));
        Assert.NotEqual(from.NodeId, (await pool.WaitForAsync("running", TaskState.Running)).Placement!.NodeId);
    }

    [Fact]
    public async Task A_cordon_whose_write_fails_is_not_in_force_and_the_caller_hears_it()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], storage: storage);
        storage.FailWrites("dc1/n0");
        await Assert.ThrowsAnyAsync<Exception>(() => pool.Client.CordonAsync("dc1/n0", "maintenance"));
        Assert.Equal(1, storage.FailedWrites);

        // Not written, not held: the node takes work as storage says it does.
        var node = await pool.NodeSnapshot("n0");
        Assert.Equal((null, true), (node.CordonReason, node.Schedulable));
        await pool.SubmitAsync(Long(), "runs");
        await pool.WaitForAsync("runs", TaskState.Running);

        storage.Heal();
        Assert.Equal("maintenance", (await pool.Client.CordonAsync("dc1/n0", "maintenance"))!.CordonReason);
    }

    [Fact]
    public async Task Unknown_nodes_and_bad_reasons_are_refused_naming_them_and_change_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.CordonAsync("dc1/nope", "x"));
        Assert.Equal("nodeId", unknown.ParamName);
        Assert.Contains("'dc1/nope' is not one", unknown.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.DrainAsync("dc1/nope", "x"));
        await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.UncordonAsync("dc1/nope"));

        foreach (var reason in new[] { "", "  ", new string('r', CordonReason.MaxLength + 1) })
        {
            var bad = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.CordonAsync("dc1/n0", reason));
            Assert.Equal("reason", bad.ParamName);
            Assert.StartsWith("reason " + CordonReason.Rule, bad.Message);

            // The grain holds the same rule for callers past the SDK.
            await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<INodeGrain>("dc1/n0").Cordon(reason));
        }

        var node = await pool.NodeSnapshot("n0");
        Assert.Equal((null, true), (node.CordonReason, node.Schedulable));
    }
}
