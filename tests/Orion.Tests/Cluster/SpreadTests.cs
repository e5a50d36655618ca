using Orion.Client;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A tenant's tasks of one spread group are kept on different nodes.</summary>
public sealed class SpreadTests
{
    private static TaskSpec Replica(string group = "web", int maxPerDomain = 1, string tenant = "team-a", bool failFast = false) =>
        Specs.Batch(computePercent: 20, items: 1_000_000, tenant: tenant)
            with { Constraints = PlacementConstraints.SpreadOver(group, maxPerDomain) with { FailIfUnplaceable = failFast } };

    [Fact]
    public async Task Replicas_run_on_different_nodes_and_one_more_waits_until_a_node_holds_none_of_the_group()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2), Node("n2", gpus: 2)]);
        string[] ids = ["web-0", "web-1", "web-2", "web-3"];
        var submitted = await pool.Client.SubmitManyAsync([.. ids.Select(id => new TaskSubmission(Replica(), id))]);

        // Three nodes, three replicas placed: one per node. The fourth waits, though every node has room.
        var waiting = Assert.Single(submitted, s => s.State == TaskState.Pending).TaskId;
        var placed = await Task.WhenAll(ids.Where(id => id != waiting).Select(id => pool.WaitForAsync(id, TaskState.Running)));
        Assert.Equal(["dc1/n0", "dc1/n1", "dc1/n2"], placed.Select(s => s.Placement!.NodeId).Order());
        Assert.Equal(TaskState.Pending, await pool.StateOf(waiting));
        Assert.Equal("0 of 3 nodes take it now: holding 1 of its spread group web already (3)", await pool.Client.WhyWaitingAsync(waiting));

        // Work outside the group still goes anywhere; so does another tenant's group of the same name.
        var other = await pool.SubmitAsync(Specs.Batch(computePercent: 20, items: 1_000_000), "other");
        var theirs = await pool.SubmitAsync(Replica(tenant: "team-b"), "their-web");
        await pool.WaitForAsync(other.TaskId, TaskState.Running);
        await pool.WaitForAsync(theirs.TaskId, TaskState.Running);
        foreach (var node in new[] { "n0", "n1", "n2" })
        {
            var snapshot = await pool.NodeSnapshot(node);
            Assert.Equal(1, snapshot.Spread.Single(c => c.Tenant == "team-a").Count);
        }

        await pool.AssertConsistentAsync([.. ids, "other", "their-web"]);

        // A replica leaves: the waiting one takes its node, the only one free of the group.
        await pool.Client.CancelAsync(placed[1].TaskId);
        Assert.Equal(placed[1].Placement!.NodeId, (await pool.WaitForAsync(waiting, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync([.. ids, "other", "their-web"]);
    }

    [Fact]
    public async Task A_group_of_two_per_node_fills_each_node_with_two_and_a_fail_fast_replica_beyond_fails_naming_its_group()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var submitted = await pool.Client.SubmitManyAsync([.. Enumerable.Range(0, 4).Select(i => new TaskSubmission(Replica(maxPerDomain: 2), $"web-{i}"))]);
        var running = await Task.WhenAll(submitted.Select(s => pool.WaitForAsync(s.TaskId, TaskState.Running)));
        Assert.All(running.GroupBy(s => s.Placement!.NodeId), g => Assert.Equal(2, g.Count()));

        var late = await pool.SubmitAsync(Replica(maxPerDomain: 2, failFast: true), "web-late");
        Assert.Equal(TaskState.Failed, late.State);
        Assert.Equal("every node with room for it holds 2 task(s) of its spread group web already", late.ExitReason);
        await pool.AssertConsistentAsync([.. submitted.Select(s => s.TaskId), "web-late"]);
    }

    [Fact]
    public async Task A_node_refuses_a_reservation_past_its_groups_most_whatever_a_schedulers_view_says()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        ReservationRequest Reservation(string task, string tenant) =>
            new(task, 1, ["dc1/n0/0"], 100, 1024, false, 100, 100, new TaskPriority(PriorityClass.Offline), Tenant: tenant, Spread: new SpreadSpec("web"));

        Assert.True((await node.Reserve(Reservation("one", "team-a"))).Accepted);
        var refused = await node.Reserve(Reservation("two", "team-a"));
        Assert.Equal((false, "node dc1/n0 holds 1 task(s) of spread group web already (at most 1 per node)"), (refused.Accepted, refused.Reason));
        Assert.True((await node.Reserve(Reservation("theirs", "team-b"))).Accepted);
        Assert.Equal([new SpreadCount("team-a", "web", 1), new SpreadCount("team-b", "web", 1)], (await pool.NodeSnapshot("n0")).Spread);

        // Given back, the node takes the group again.
        await node.Release("one", 1);
        Assert.Equal([new SpreadCount("team-b", "web", 1)], (await pool.NodeSnapshot("n0")).Spread);
        Assert.True((await node.Reserve(Reservation("two", "team-a"))).Accepted);
    }

    [Fact]
    public async Task A_node_grain_activated_afresh_counts_the_replicas_its_daemon_runs_again()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var first = await pool.SubmitAsync(Replica(), "web-0");
        var node = (await pool.WaitForAsync(first.TaskId, TaskState.Running)).Placement!.NodeId;
        var grain = pool.Grains.GetGrain<INodeGrain>(node);
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        // The daemon's next heartbeat registers the node again, which adopts the running replica with its group.
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Equal([new SpreadCount("team-a", "web", 1)], (await grain.GetSnapshot())?.Spread ?? []);
        });
        var second = await pool.SubmitAsync(Replica(), "web-1");
        Assert.NotEqual(node, (await pool.WaitForAsync(second.TaskId, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["web-0", "web-1"]);
    }

    [Fact]
    public async Task A_drained_nodes_replica_moves_only_to_a_node_free_of_its_group()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2), Node("n2", gpus: 2)]);
        var submitted = await pool.Client.SubmitManyAsync([new(Replica() with { Restart = RestartPolicy.OnFailure(3) }, "web-0"), new(Replica() with { Restart = RestartPolicy.OnFailure(3) }, "web-1")]);
        var running = await Task.WhenAll(submitted.Select(s => pool.WaitForAsync(s.TaskId, TaskState.Running)));
        var drained = running[0].Placement!.NodeId;
        var free = new[] { "dc1/n0", "dc1/n1", "dc1/n2" }.Except(running.Select(s => s.Placement!.NodeId)).Single();

        await pool.Client.DrainAsync(drained, "kernel update");
        await pool.EventuallyAsync(async () =>
            Assert.Equal((TaskState.Running, free), (await pool.Client.GetAsync("web-0")) is { } s ? (s.State, s.Placement?.NodeId) : default));
        await pool.AssertConsistentAsync(["web-0", "web-1"]);
    }

    [Fact]
    public async Task The_sdk_submits_replicas_by_group_and_count_and_refuses_a_bad_request_submitting_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var replicas = await pool.Client.SubmitReplicasAsync("chat", Specs.Service(), 2);
        Assert.Equal(["chat-0", "chat-1"], replicas.Select(r => r.TaskId));
        Assert.All(replicas, r => Assert.Equal(new SpreadSpec("chat"), r.Spec.Constraints.Spread));
        var running = await Task.WhenAll(replicas.Select(r => pool.WaitForAsync(r.TaskId, TaskState.Running)));
        Assert.NotEqual(running[0].Placement!.NodeId, running[1].Placement!.NodeId);

        var none = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitReplicasAsync("api", Specs.Service(), 0));
        Assert.Equal([new ValidationError("count", "must be at least 1")], none.Errors.ToArray());
        var crowded = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitReplicasAsync("api", Specs.Service(), 2, maxPerDomain: 0));
        Assert.Equal([new ValidationError("constraints.spread.maxPerDomain", "must be 1..1024")], crowded.Errors.ToArray());
        var tooLong = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitReplicasAsync(new string('a', 127), Specs.Service(), 12));
        Assert.Equal("constraints.spread.group", Assert.Single(tooLong.Errors).Field);
        Assert.Equal(2, (await pool.Client.ListAsync()).Count);
    }

    [Fact]
    public async Task Preferred_replicas_beyond_the_nodes_run_where_the_group_is_thinnest_and_the_node_takes_them()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var replicas = await pool.Client.SubmitReplicasAsync("chat", Specs.Service(computePercent: 20), 3, preferred: true);
        var running = await Task.WhenAll(replicas.Select(r => pool.WaitForAsync(r.TaskId, TaskState.Running)));
        Assert.Equal([1, 2], running.GroupBy(r => r.Placement!.NodeId).Select(g => g.Count()).Order());
        Assert.All(running, r => Assert.Equal(new SpreadSpec("chat", 1, Preferred: true), r.Spec.Constraints.Spread));
        await pool.AssertConsistentAsync(running.Select(r => r.TaskId));
    }

    [Fact]
    public async Task Replicas_spread_over_zones_run_one_per_zone_and_one_more_waits_naming_the_zones_until_a_zone_frees()
    {
        // Two zones of two nodes each, and a node without a zone, which takes none of a group spread over zones.
        var nodes = new[] { Node("a0", gpus: 2), Node("a1", gpus: 2), Node("b0", gpus: 2), Node("b1", gpus: 2), Node("loose", gpus: 2) };
        foreach (var (node, zone) in nodes.Zip(new[] { "a", "a", "b", "b" }))
        {
            node.Labels["zone"] = zone;
        }

        await using var pool = await StartAsync(nodes);
        var replicas = await pool.Client.SubmitReplicasAsync("chat", Specs.Service(computePercent: 20), 3, topologyKey: "zone");
        Assert.All(replicas, r => Assert.Equal(new SpreadSpec("chat", 1, TopologyKey: "zone"), r.Spec.Constraints.Spread));
        var waiting = Assert.Single(replicas, r => r.State == TaskState.Pending).TaskId;
        var running = await Task.WhenAll(replicas.Where(r => r.TaskId != waiting).Select(r => pool.WaitForAsync(r.TaskId, TaskState.Running)));
        Assert.Equal(["a", "b"], running.Select(r => r.Placement!.NodeId[4..5]).Order());
        Assert.Equal(
            "0 of 5 nodes take it now: in zone=a, which holds 1 of its spread group chat already (2), in zone=b, which holds 1 of its spread group chat already (2), "
            + "without a zone label, over which its spread group chat is spread (1)",
            await pool.Client.WhyWaitingAsync(waiting));

        // A fail-fast replica says what is in the way; the node without a zone refuses the group whatever a view says.
        var late = await pool.SubmitAsync(Specs.Service(computePercent: 20) with
        {
            Constraints = PlacementConstraints.SpreadOver("chat", topologyKey: "zone") with { FailIfUnplaceable = true },
        }, "chat-late");
        Assert.Equal("every zone with room for it holds 1 task(s) of its spread group chat already (a node without a zone label takes none)", late.ExitReason);
        var refused = await pool.Grains.GetGrain<INodeGrain>("dc1/loose").Reserve(
            new("stray", 1, ["dc1/loose/0"], 100, 1024, false, 100, 100, new TaskPriority(PriorityClass.Online), Tenant: "default", Spread: new SpreadSpec("chat", TopologyKey: "zone")));
        Assert.Equal((false, "node dc1/loose has no zone label, over which spread group chat is spread"), (refused.Accepted, refused.Reason));

        // A replica leaves: the waiting one runs in the zone it left.
        await pool.Client.CancelAsync(running[0].TaskId);
        var moved = await pool.WaitForAsync(waiting, TaskState.Running);
        Assert.Equal(running[0].Placement!.NodeId[..5], moved.Placement!.NodeId[..5]);
        await pool.AssertConsistentAsync([.. replicas.Select(r => r.TaskId), "chat-late"]);
    }
}
