using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>With <c>Orion:Pool:EvictLowerPriority</c>, a higher-class task that fits nowhere evicts running lower-class work.</summary>
public sealed class PriorityPreemptionTests
{
    private static TaskSpec Offline(string name, double percent = 100) => Specs.Batch(computePercent: percent, gpuMemoryMiB: 8192, items: 1_000_000, name: name);

    [Fact]
    public async Task An_online_service_that_fits_nowhere_evicts_offline_work_which_queues_again_and_runs_once_the_service_ends()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)], evictLowerPriority: true);
        foreach (var id in new[] { "batch-0", "batch-1" })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Offline(id), id)).TaskId, TaskState.Running);
        }

        var service = await pool.SubmitAsync(Specs.Service(computePercent: 40), "chat");
        await pool.WaitForAsync(service.TaskId, TaskState.Running);

        // One offline task was evicted from the service's node and waits again; the other runs on.
        var batches = await Task.WhenAll(new[] { "batch-0", "batch-1" }.Select(id => pool.Client.GetAsync(id)));
        var evicted = Assert.Single(batches, b => b!.State == TaskState.Pending)!;
        Assert.Equal(TaskState.Running, Assert.Single(batches, b => b!.State == TaskState.Running)!.State);
        Assert.Equal("0 of 2 nodes take it now: no card with room for 100% compute and 8,192 MiB (2)", await pool.Client.WhyWaitingAsync(evicted.TaskId));
        await pool.EventuallyAsync(async () =>
            Assert.Contains(await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100),
                e => e.Kind == PoolEventKinds.Eviction && e.TaskId == evicted.TaskId && e.Detail == "evicted for higher-priority chat"));
        await pool.AssertConsistentAsync(["batch-0", "batch-1", "chat"]);

        // The service ends: the evicted task runs again.
        await pool.Client.CancelAsync("chat");
        await pool.WaitForAsync(evicted.TaskId, TaskState.Running);
        await pool.AssertConsistentAsync(["batch-0", "batch-1", "chat"]);
    }

    [Fact]
    public async Task Work_of_the_same_class_and_every_task_while_the_setting_is_off_waits_instead()
    {
        await using var off = await StartAsync([Node("n0", gpus: 1)]);
        await off.WaitForAsync((await off.SubmitAsync(Offline("batch"), "batch")).TaskId, TaskState.Running);
        Assert.Equal(TaskState.Pending, (await off.SubmitAsync(Specs.Service(computePercent: 40), "chat")).State);
        Assert.Equal(TaskState.Running, await off.StateOf("batch"));

        await using var on = await StartAsync([Node("n0", gpus: 1)], evictLowerPriority: true);
        await on.WaitForAsync((await on.SubmitAsync(Offline("first"), "first")).TaskId, TaskState.Running);
        Assert.Equal(TaskState.Pending, (await on.SubmitAsync(Offline("second", 40), "second")).State);
        Assert.Equal(TaskState.Running, await on.StateOf("first"));
    }

    [Fact]
    public async Task Turned_on_live_a_waiting_service_evicts_at_the_schedulers_next_resync_and_turned_off_nothing_more_is()
    {
        // Schedulers read the live settings at every round (no copy kept), so a change is in force at once.
        await using var pool = await StartAsync([Node("n0", gpus: 1)], indexResync: TimeSpan.FromSeconds(1), settingsMaxAge: TimeSpan.Zero);
        await pool.WaitForAsync((await pool.SubmitAsync(Offline("batch"), "batch")).TaskId, TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(Specs.Service(computePercent: 40), "chat")).State);

        var on = await pool.Client.UpdateSettingsAsync(evictLowerPriority: true);
        Assert.True(on.EvictLowerPriority);
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(TaskState.Running, await pool.StateOf("chat"));
        });
        Assert.Equal(TaskState.Pending, await pool.StateOf("batch"));

        // Off again: a second service waits behind the first, and the evicted batch is not placed over it.
        Assert.False((await pool.Client.UpdateSettingsAsync(evictLowerPriority: false)).EvictLowerPriority);
        await pool.Client.CancelAsync("chat");
        await pool.WaitForAsync("batch", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(Specs.Service(computePercent: 40), "chat-2")).State);
        pool.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((TaskState.Running, TaskState.Pending), (await pool.StateOf("batch"), await pool.StateOf("chat-2")));
        await pool.AssertConsistentAsync(["batch", "chat", "chat-2"]);
    }

    [Fact]
    public async Task A_task_that_another_data_centre_takes_evicts_nothing_in_its_own()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("m0", gpus: 1, dc: "dc2")], evictLowerPriority: true);
        var batch = Offline("batch") with { Constraints = PlacementConstraints.None with { DataCenter = "dc1" } };
        await pool.WaitForAsync((await pool.SubmitAsync(batch, "batch")).TaskId, TaskState.Running);

        // Its preferred data centre is full of offline work; the other has room: it runs there, and the batch runs on.
        var service = Specs.Service(computePercent: 40) with { Constraints = PlacementConstraints.None with { PreferredDataCenter = "dc1" } };
        await pool.SubmitAsync(service, "chat");
        Assert.Equal("dc2/m0", (await pool.WaitForAsync("chat", TaskState.Running)).Placement!.NodeId);
        Assert.Equal(TaskState.Running, await pool.StateOf("batch"));
        Assert.DoesNotContain(await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100), e => e.Kind == PoolEventKinds.Eviction);
    }

    [Fact]
    public async Task Nothing_is_evicted_on_a_node_held_for_a_starving_task()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)], evictLowerPriority: true, starvationLimit: TimeSpan.FromMinutes(5));
        foreach (var id in new[] { "t1", "t2", "t3", "t4" })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Specs.Training(1, steps: 1_000_000), id)).TaskId, TaskState.Running);
        }

        // A four-card job of the same class evicts nothing; past the limit, the next round holds the node for it.
        await pool.SubmitAsync(Specs.Training(4, steps: 1_000_000), "train");
        pool.Advance(TimeSpan.FromMinutes(6));
        await pool.SubmitAsync(Specs.Training(1, steps: 1_000_000), "late");
        await pool.EventuallyAsync(async () =>
            Assert.Contains(await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100), e => e is { Kind: PoolEventKinds.Hold, TaskId: "train" }));

        // A service would evict a training task anywhere else; on the held node it waits, and says why.
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(Specs.Service(computePercent: 40), "chat")).State);
        Assert.Equal("0 of 1 node takes it now: held for a task or gang waiting past the starvation limit (1)", await pool.Client.WhyWaitingAsync("chat"));
        Assert.All(await Task.WhenAll(new[] { "t1", "t2", "t3", "t4" }.Select(pool.StateOf)), s => Assert.Equal(TaskState.Running, s));
        Assert.DoesNotContain(await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100), e => e.Kind == PoolEventKinds.Eviction);
    }

    [Fact]
    public async Task A_replica_spread_over_zones_evicts_only_in_a_zone_its_group_may_use()
    {
        // Zone a: a0 holds a replica of the group, a1 offline work; zone b: b0 offline work. Every card is full.
        var nodes = new[] { Node("a0", gpus: 1), Node("a1", gpus: 1), Node("b0", gpus: 1) };
        foreach (var (node, zone) in nodes.Zip(new[] { "a", "a", "b" }))
        {
            node.Labels["zone"] = zone;
        }

        await using var pool = await StartAsync(nodes, evictLowerPriority: true);
        var replica = Specs.Service(computePercent: 100) with { Constraints = PlacementConstraints.SpreadOver("chat", topologyKey: "zone") };
        Assert.Equal("dc1/a0", (await pool.WaitForAsync((await pool.SubmitAsync(replica with { Constraints = replica.Constraints with { NodeSelector = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("zone", "a") } }, "chat-0")).TaskId, TaskState.Running)).Placement!.NodeId);
        foreach (var id in new[] { "batch-a", "batch-b" })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Offline(id), id)).TaskId, TaskState.Running);
        }

        // The second replica may only use zone b: the batch there is evicted, never the one in zone a.
        Assert.Equal("dc1/b0", (await pool.WaitForAsync((await pool.SubmitAsync(replica, "chat-1")).TaskId, TaskState.Running)).Placement!.NodeId);
        Assert.Equal(TaskState.Pending, await pool.StateOf("batch-b"));
        var batchA = (await pool.Client.GetAsync("batch-a"))!;
        Assert.Equal((TaskState.Running, "dc1/a1", 1L), (batchA.State, batchA.Placement!.NodeId, batchA.Generation));
        Assert.Equal(["batch-b"], (await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)).Where(e => e.Kind == PoolEventKinds.Eviction).Select(e => e.TaskId));
        await pool.AssertConsistentAsync(["chat-0", "chat-1", "batch-a", "batch-b"]);
    }
}
