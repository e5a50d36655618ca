using Orion.Client;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A gang's members are placed all together or not at all.</summary>
public sealed class GangTests
{
    private static TaskSpec Member(int gpus, string gang = "allreduce", int size = 3, long steps = 10) =>
        Specs.Training(gpus, steps) with { Gang = new GangSpec(gang, size) };

    [Fact]
    public async Task A_gang_waits_for_its_last_member_holding_nothing_and_then_runs_whole()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)]);
        string[] ids = ["rank-0", "rank-1", "rank-2"];
        await pool.SubmitAsync(Member(2), ids[0]);
        await pool.SubmitAsync(Member(2), ids[1]);

        // Work outside the gang is placed meanwhile; the two members hold nothing while the third is missing.
        var solo = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000), "solo");
        await pool.WaitForAsync(solo.TaskId, TaskState.Running);
        Assert.Equal([TaskState.Pending, TaskState.Pending], await Task.WhenAll(ids[..2].Select(pool.StateOf)));
        Assert.Equal(ids[..2], (await pool.SchedulerSnapshot()).Queue.Order().ToArray());
        await pool.AssertConsistentAsync([.. ids[..2], solo.TaskId]);

        await pool.SubmitAsync(Member(2), ids[2]);
        await pool.EventuallyAsync(async () =>
            Assert.All(await Task.WhenAll(ids.Select(pool.StateOf)), s => Assert.Equal(TaskState.Running, s)));
        await pool.AssertConsistentAsync([.. ids, solo.TaskId]);
        Assert.Empty((await pool.SchedulerSnapshot()).Queue);
        var members = await Task.WhenAll(ids.Select(id => pool.Client.GetAsync(id)));
        Assert.All(members, m => Assert.Equal(new GangSpec("allreduce", 3), m!.Spec.Gang));
    }

    [Fact]
    public async Task Each_member_placed_whole_knows_its_rank_and_where_rank_0_listens()
    {
        Orion.Silo.EmbeddedNodeOptions[] nodes = [Node("n0", gpus: 5), Node("n1", gpus: 5), Node("n2", gpus: 5)];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i].Address = $"10.0.0.{i + 1}";
        }

        await using var pool = await StartAsync(nodes);

        // Whole nodes each, so every member is on a node of its own; ranked w-2 before w-10, as a person would.
        string[] ids = ["w-10", "w-2", "w-1"];
        await pool.Client.SubmitManyAsync([.. ids.Select(id => new TaskSubmission(Member(4, "ddp", 3), id))]);
        await pool.EventuallyAsync(async () =>
            Assert.All(await Task.WhenAll(ids.Select(pool.StateOf)), s => Assert.Equal(TaskState.Running, s)));

        var placements = (await Task.WhenAll(ids.Select(id => pool.Client.GetAsync(id)))).ToDictionary(m => m!.TaskId, m => m!.Placement!);
        var leader = placements["w-1"].NodeId;
        var address = nodes.Single(n => leader.EndsWith("/" + n.Name, StringComparison.Ordinal)).Address;
        var port = GangRendezvous.PortOf(Member(4).Tenant, "ddp");
        Assert.Equal(new GangRendezvous("ddp", 3, 0, leader, address, port), placements["w-1"].Rendezvous);
        Assert.Equal(new GangRendezvous("ddp", 3, 1, leader, address, port), placements["w-2"].Rendezvous);
        Assert.Equal(new GangRendezvous("ddp", 3, 2, leader, address, port), placements["w-10"].Rendezvous);

        // Work on its own has none.
        var solo = await pool.SubmitAsync(Specs.Batch(computePercent: 10, items: 1_000_000), "solo");
        await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Running, await pool.StateOf("solo")));
        Assert.Null((await pool.Client.GetAsync(solo.TaskId))!.Placement!.Rendezvous);
    }

    [Fact]
    public async Task A_gang_that_does_not_fit_whole_takes_nothing_until_room_for_all_of_it_frees()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var blocker = await pool.SubmitAsync(Specs.Training(2), "blocker");
        await pool.WaitForAsync(blocker.TaskId, TaskState.Running);

        // Two members of two cards each: one node is free, which fits one of them, so neither is placed.
        var gang = await pool.Client.SubmitManyAsync([new(Member(2, size: 2), "rank-0"), new(Member(2, size: 2), "rank-1")]);
        Assert.All(gang, m => Assert.Equal(TaskState.Pending, m.State));
        var free = pool.Nodes.Select(n => n.Name).Single(n => n != blocker.Placement!.NodeId.Split('/')[1]);
        Assert.All((await pool.NodeSnapshot(free)).Gpus, g => Assert.Empty(g.Slices));
        Assert.Equal(0, (await pool.SchedulerSnapshot()).Placements - 1);
        await pool.AssertConsistentAsync(["blocker", "rank-0", "rank-1"]);

        await pool.Client.CancelAsync(blocker.TaskId);
        await pool.EventuallyAsync(async () =>
            Assert.Equal([TaskState.Running, TaskState.Running], await Task.WhenAll(new[] { "rank-0", "rank-1" }.Select(pool.StateOf))));
        var placed = await Task.WhenAll(new[] { "rank-0", "rank-1" }.Select(id => pool.Client.GetAsync(id)));
        Assert.NotEqual(placed[0]!.Placement!.NodeId, placed[1]!.Placement!.NodeId);
        await pool.AssertConsistentAsync(["blocker", "rank-0", "rank-1"]);
    }

    [Fact]
    public async Task A_member_a_node_refuses_gives_back_what_the_other_members_reserved()
    {
        await using var pool = await StartAsync([Node("a", gpus: 1), Node("b", gpus: 1)], policy: "best-fit");

        // Node b's card is taken behind the scheduler's back, so its index still shows room for both members.
        var b = pool.Grains.GetGrain<INodeGrain>("dc1/b");
        Assert.True((await b.Reserve(new ReservationRequest("intruder", 1, ["dc1/b/0"], 1000, 0, true, 0, 0))).Accepted);

        var gang = await pool.Client.SubmitManyAsync([new(Member(1, size: 2), "rank-0"), new(Member(1, size: 2), "rank-1")]);
        Assert.All(gang, m => Assert.Equal(TaskState.Pending, m.State));
        var scheduler = await pool.SchedulerSnapshot();
        Assert.Equal(1, scheduler.Refusals);
        Assert.Equal(0, scheduler.Placements);

        // Node a took a member and gave it back: nothing is half placed.
        Assert.Empty(Assert.Single((await pool.NodeSnapshot("a")).Gpus).Slices);
        Assert.Equal(["intruder"], Assert.Single((await pool.NodeSnapshot("b")).Gpus).Slices.Select(s => s.TaskId).ToArray());

        // Once b's card frees, the gang is placed whole.
        await b.Release("intruder", 1);
        await pool.EventuallyAsync(async () =>
            Assert.Equal([TaskState.Running, TaskState.Running], await Task.WhenAll(new[] { "rank-0", "rank-1" }.Select(pool.StateOf))));
        await pool.AssertConsistentAsync(["rank-0", "rank-1"]);
    }

    [Fact]
    public async Task Cancelling_one_member_of_a_running_gang_ends_the_rest_and_frees_their_cards()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)]);
        string[] ids = ["rank-0", "rank-1", "rank-2"];
        await pool.Client.SubmitManyAsync([.. ids.Select(id => new TaskSubmission(Member(2), id))]);
        var solo = await pool.SubmitAsync(Specs.Training(2), "solo");
        await pool.EventuallyAsync(async () =>
            Assert.All(await Task.WhenAll(ids.Append("solo").Select(pool.StateOf)), s => Assert.Equal(TaskState.Running, s)));
        var placed = (await pool.Client.GetAsync("rank-0"))!.Placement!;
        Assert.Equal(["rank-1", "rank-2"], placed.Gang.Order().ToArray());
        Assert.True((await pool.Client.GetAsync("solo"))!.Placement!.Gang.IsEmpty);

        await pool.Client.CancelAsync("rank-1");
        foreach (var id in new[] { "rank-0", "rank-2" })
        {
            var ended = await pool.WaitForAsync(id, TaskState.Cancelled);
            Assert.StartsWith("gang allreduce: member rank-1 cancelled", ended.ExitReason);
        }

        // The task outside the gang runs on; every card holds exactly what its running tasks hold.
        Assert.Equal(TaskState.Running, await pool.StateOf(solo.TaskId));
        await pool.EventuallyAsync(() => pool.AssertConsistentAsync([.. ids, solo.TaskId]));
    }

    [Fact]
    public async Task A_member_lost_with_its_node_fails_the_rest_of_its_gang()
    {
        var lease = TimeSpan.FromSeconds(3);
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)], daemonLease: lease);
        await pool.Client.SubmitManyAsync([new(Member(2, size: 2, steps: 1_000_000), "rank-0"), new(Member(2, size: 2, steps: 1_000_000), "rank-1")]);
        var lost = await pool.WaitForAsync("rank-0", TaskState.Running);
        await pool.WaitForAsync("rank-1", TaskState.Running);
        var (dead, live) = lost.Placement!.NodeId == "dc1/n0" ? ("n0", "n1") : ("n1", "n0");

        await pool.LoseDaemonAsync(dead, lease);

        Assert.Contains("missed its lease", (await pool.WaitForAsync("rank-0", TaskState.Failed)).ExitReason);
        var other = await pool.WaitForAsync("rank-1", TaskState.Failed);
        Assert.StartsWith("gang allreduce: member rank-0 failed: node lost", other.ExitReason);
        await pool.EventuallyAsync(async () => Assert.All((await pool.NodeSnapshot(live)).Gpus, g => Assert.Empty(g.Slices)));
        Assert.Empty(pool.Backend(live).Running);
    }

    [Fact]
    public async Task A_gang_that_restarts_on_failure_stops_and_is_placed_whole_again_when_a_member_loses_its_node()
    {
        var lease = TimeSpan.FromSeconds(3);
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2), Node("n2", gpus: 2)], daemonLease: lease);
        var member = Member(2, size: 2, steps: 1_000_000) with { Restart = RestartPolicy.OnFailure(1) };
        await pool.Client.SubmitManyAsync([new(member, "rank-0"), new(member, "rank-1")]);
        var lost = await pool.WaitForAsync("rank-0", TaskState.Running);
        await pool.WaitForAsync("rank-1", TaskState.Running);
        var dead = lost.Placement!.NodeId.Split('/')[1];
        string[] live = [.. pool.Nodes.Select(n => n.Name).Where(n => n != dead)];

        await pool.LoseDaemonAsync(dead, lease);

        // Both members run again, placed together on the two live nodes, each on its second generation and first restart.
        VGpuTaskStatus[] again = [];
        await pool.EventuallyAsync(async () =>
        {
            again = [.. (await Task.WhenAll(new[] { "rank-0", "rank-1" }.Select(id => pool.Client.GetAsync(id)))).Select(s => s!)];
            Assert.All(again, s => Assert.Equal((TaskState.Running, 2L, 1), (s.State, s.Generation, s.Restarts)));
        });
        Assert.Contains("missed its lease", again[0].ExitReason);
        Assert.StartsWith("gang allreduce restarts: member rank-0 failed", again[1].ExitReason);
        Assert.Equal(live, again.Select(s => s.Placement!.NodeId.Split('/')[1]).Order());
        Assert.Equal(["rank-0"], again[1].Placement!.Gang.ToArray());
    }

    [Fact]
    public async Task A_member_drained_off_its_node_moves_its_whole_gang_which_is_placed_whole_again_with_a_new_rendezvous()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2), Node("n2", gpus: 2)]);
        await pool.Client.SubmitManyAsync([new(Member(2, size: 2, steps: 1_000_000), "rank-0"), new(Member(2, size: 2, steps: 1_000_000), "rank-1")]);
        var moved = await pool.WaitForAsync("rank-0", TaskState.Running);
        await pool.WaitForAsync("rank-1", TaskState.Running);

        // A collective that lost a member cannot go on: the member on the drained node moves, and the other stops and
        // queues again with it, so the gang is placed whole once more (not a restart).
        await pool.Client.DrainAsync(moved.Placement!.NodeId, "firmware");
        var again = new VGpuTaskStatus[2];
        await pool.EventuallyAsync(async () =>
        {
            again = [(await pool.Client.GetAsync("rank-0"))!, (await pool.Client.GetAsync("rank-1"))!];
            Assert.All(again, s => Assert.Equal((TaskState.Running, 2L, 0), (s.State, s.Generation, s.Restarts)));
        });
        Assert.All(again, s => Assert.NotEqual(moved.Placement.NodeId, s.Placement!.NodeId));
        Assert.Equal(("rank-1", "rank-0"), (string.Join(",", again[0].Placement!.Gang), string.Join(",", again[1].Placement!.Gang)));
        Assert.Equal((0, 1), (again[0].Placement!.Rendezvous!.Rank, again[1].Placement!.Rendezvous!.Rank));
        Assert.Equal($"gang allreduce moves whole: member rank-0 moved off {moved.Placement.NodeId}: firmware",
            again[1].PastRuns![^1].Reason);
        await pool.AssertConsistentAsync(["rank-0", "rank-1"]);
    }

    [Fact]
    public async Task Under_a_quota_a_gangs_first_member_sets_room_aside_for_the_rest_so_interleaved_work_cannot_split_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)]);
        await pool.Client.SetQuotaAsync("research", new TenantQuota(GpuPercent: 400));

        // Members of two gangs of two 2-card members, and a 2-card task of no gang, arrive a0, b0, solo, a1, b1 under a
        // quota of four cards. A gang's first member is admitted only with room for the whole gang, and the room of its
        // members still to come is set aside: b0 and the solo task wait, and a runs.
        foreach (var id in new[] { "a0", "b0", "solo", "a1", "b1" })
        {
            await pool.SubmitAsync(id == "solo" ? Specs.Training(2, steps: 1_000_000) : Member(2, gang: id[..1], size: 2, steps: 1_000_000), id);
        }

        async Task AssertWaitingForQuota(params string[] ids)
        {
            foreach (var status in await Task.WhenAll(ids.Select(id => pool.Client.GetAsync(id))))
            {
                Assert.Equal((TaskState.Pending, true), (status!.State, status.QuotaWait is not null));
            }
        }

        await pool.WaitForAsync("a0", TaskState.Running);
        await pool.WaitForAsync("a1", TaskState.Running);
        await AssertWaitingForQuota("b0", "b1", "solo");

        // Cancelling a's first member ends a whole. The line lets smaller work pass (the solo task fits as soon as a0 has
        // gone, while b needs room for both its members); once the solo task ends too, b is admitted whole and runs.
        await pool.Client.CancelAsync("a0");
        await pool.WaitForAsync("a1", TaskState.Cancelled);
        await pool.WaitForAsync("solo", TaskState.Running);
        await AssertWaitingForQuota("b0", "b1");
        await pool.Client.CancelAsync("solo");
        await pool.WaitForAsync("b0", TaskState.Running);
        await pool.WaitForAsync("b1", TaskState.Running);
        await pool.AssertConsistentAsync(["a0", "a1", "b0", "b1", "solo"]);
    }

    [Fact]
    public async Task Room_set_aside_for_a_gang_admitted_in_part_outlives_the_tenant_grains_activation()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)]);
        await pool.Client.SetQuotaAsync("research", new TenantQuota(GpuPercent: 400));
        await pool.SubmitAsync(Member(2, gang: "a", size: 2, steps: 1_000_000), "a0");
        await pool.Grains.GetGrain<ITenantGrain>("research").Cast<IGrainManagementExtension>().DeactivateOnIdle();

        // Rebuilt from the catalogue: a0 is charged and a's second member's room is set aside again, so other work is refused.
        var solo = Specs.Training(2, steps: 1_000_000) with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } };
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(solo, "solo"));
        Assert.Equal("'research' would pass its quota of gpuPercent 400: 200 in use + 200 set aside for gangs + 200 asked", Assert.Single(refused.Errors).Rule);

        await pool.SubmitAsync(Member(2, gang: "a", size: 2, steps: 1_000_000), "a1");
        await pool.WaitForAsync("a0", TaskState.Running);
        await pool.WaitForAsync("a1", TaskState.Running);
    }

    [Fact]
    public async Task The_sdk_submits_a_gang_by_name_and_size_and_refuses_a_bad_one_submitting_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        var gang = await pool.Client.SubmitGangAsync("pretrain", Specs.Training(2), 2);
        Assert.Equal(["pretrain-0", "pretrain-1"], gang.Select(m => m.TaskId));
        Assert.All(gang, m => Assert.Equal(new GangSpec("pretrain", 2), m.Spec.Gang));
        await pool.WaitForAsync("pretrain-1", TaskState.Running);

        var small = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitGangAsync("solo", Specs.Training(1), 1));
        Assert.Equal([new ValidationError("gang.size", "must be 2..256")], small.Errors.ToArray());
        var longName = new string('g', 127);
        var tooLong = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitGangAsync(longName, Specs.Training(1), 12));
        Assert.Equal("gang.name", Assert.Single(tooLong.Errors).Field);
        Assert.Equal(2, (await pool.Client.ListAsync()).Count);
    }

    [Fact]
    public async Task Members_of_one_gang_submitted_together_must_agree_on_its_size_and_not_outnumber_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        var two = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitManyAsync(
            [new(Member(1, size: 2), "r0"), new(Member(1, size: 3), "r1"), new(Member(1, size: 2), "r2"), new(Member(1, size: 2), "r3")]));
        Assert.Equal(
            [new ValidationError("tasks[1].gang.size", "must equal the size of the same gang in tasks[0] (2)"),
             new ValidationError("tasks[3].gang", "is one member more than the gang's size (2) in the batch")],
            two.Errors.ToArray());
        Assert.Empty(await pool.Client.ListAsync());
    }

    [Fact]
    public async Task A_quota_lowered_below_a_gang_admitted_in_part_fails_its_admitted_members_and_frees_their_charge()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 8)]);
        await pool.Client.SetQuotaAsync("research", new TenantQuota(GpuPercent: 1000));
        var first = await pool.SubmitAsync(Member(2), "rank-0");
        Assert.Equal((TaskState.Pending, null), (first.State, first.QuotaWait));
        Assert.Equal(["rank-0"], (await pool.SchedulerSnapshot()).Queue.ToArray());

        // 500%: the gang's three members of 200% could never be admitted whole, so the one admitted would wait for ever.
        var usage = await pool.Client.SetQuotaAsync("research", new TenantQuota(GpuPercent: 500));
        Assert.Equal((0, 0d, 0), (usage.Tasks, usage.SetAsideGpuPercent, usage.SetAsideTasks));
        var failed = await pool.WaitForAsync("rank-0", TaskState.Failed);
        Assert.Equal("tenant 'research' has a quota of gpuPercent 500: the gang allreduce of 3 members asks 600, more than all of it", failed.ExitReason);
        Assert.Empty((await pool.SchedulerSnapshot()).Queue);

        // A member that comes after is refused, naming the gang.
        var late = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Member(2) with { Constraints = PlacementConstraints.None }, "rank-1"));
        Assert.Contains("the gang allreduce of 3 members", late.Message);
    }
}
