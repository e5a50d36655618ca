using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>With <c>Orion:Pool:Consolidate</c>, a task that fits nowhere because the free room is scattered has offline work moved to make room.</summary>
public sealed class ConsolidationClusterTests
{
    private static TaskSpec Offline(string name, double percent) => Specs.Batch(computePercent: percent, gpuMemoryMiB: 8192, items: 1_000_000, name: name);

    // A whole card's compute: it fits on no card that holds anything.
    private static TaskSpec WholeCard(string name, PriorityClass priority = PriorityClass.Training) =>
        Specs.Batch(computePercent: 100, gpuMemoryMiB: 40_960, items: 1_000_000, priority: priority, name: name);

    /// <summary>Two one-card nodes, the spread policy placing one offline task on each (as scattered as room gets).</summary>
    private static async Task<TestPool> ScatteredAsync(double percent, bool consolidate, TimeSpan? indexResync = null, GrainCallGate? gate = null)
    {
        var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)], policy: "spread", indexResync: indexResync, settingsMaxAge: TimeSpan.Zero, gate: gate,
            extraSettings: consolidate ? new Dictionary<string, string?> { ["Orion:Pool:Consolidate"] = "true" } : null);
        foreach (var id in new[] { "a", "b" })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Offline(id, percent), id)).TaskId, TaskState.Running);
        }

        var (a, b) = (await pool.Client.GetAsync("a"), await pool.Client.GetAsync("b"));
        Assert.NotEqual(a!.Placement!.NodeId, b!.Placement!.NodeId);
        return pool;
    }

    [Fact]
    public async Task Turned_on_live_a_waiting_task_gets_a_node_emptied_by_moving_its_offline_task_beside_the_other_which_runs_on()
    {
        var gate = new GrainCallGate();
        await using var pool = await ScatteredAsync(40, consolidate: false, indexResync: TimeSpan.FromSeconds(1), gate: gate);
        var before = (await Task.WhenAll(new[] { "a", "b" }.Select(id => pool.Client.GetAsync(id)))).ToDictionary(s => s!.TaskId, s => s!);

        // Off: the task waits, though 120% of compute is free in all, and nothing moves.
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard("train", PriorityClass.Offline), "train")).State);
        pool.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((TaskState.Pending, before["a"].Generation, before["b"].Generation),
            (await pool.StateOf("train"), (await pool.Client.GetAsync("a"))!.Generation, (await pool.Client.GetAsync("b"))!.Generation));

        // Why it waits says so, and what moving would do.
        var onN0 = before.Values.Single(s => s.Placement!.NodeId == "dc1/n0").TaskId;
        var scattered = $"; its room is scattered: moving {onN0} off dc1/n0 would make room for it (consolidation is off: orion config --consolidate true)";
        Assert.EndsWith(scattered, await pool.Client.WhyWaitingAsync("train"));

        // So does a dry run of the same task.
        Assert.EndsWith(scattered, Assert.Single((await pool.Client.PreviewAsync(WholeCard("probe", PriorityClass.Offline))).DataCenters).Explanation);

        // On: the moves are decided at the next resync (both nodes need one move of 40%: n0 by its id); held at the task's grain.
        var held = gate.Close("IVGpuTaskGrain.Move");
        Assert.True((await pool.Client.UpdateSettingsAsync(consolidate: true)).Consolidate);
        await pool.EventuallyAsync(() =>
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            Assert.True(held.IsCompleted);
            return Task.CompletedTask;
        });
        var moved = before.Values.Single(s => s.Placement!.NodeId == "dc1/n0");
        var stayed = before.Values.Single(s => s.TaskId != moved.TaskId);
        Assert.Equal($"room is being made for it on dc1/n0: {moved.TaskId} moved to nodes where they fit; it runs there once they have left",
            await pool.Client.WhyWaitingAsync("train"));

        // A task queued ahead of it meanwhile (a higher level), which the emptied node would take: the node is held for the
        // task it was emptied for, as it is for the moved task queued again.
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(Specs.Batch(computePercent: 70, gpuMemoryMiB: 8192, items: 1_000_000, level: 3, name: "ahead"), "ahead")).State);
        gate.Open("IVGpuTaskGrain.Move");
        var train = await pool.WaitForAsync("train", TaskState.Running);
        Assert.Equal("dc1/n0", train.Placement!.NodeId);

        // The moved task runs beside the other one, under a new generation; the other never moved; the one ahead waits.
        var (nowMoved, nowStayed) = (await pool.WaitForAsync(moved.TaskId, TaskState.Running), (await pool.Client.GetAsync(stayed.TaskId))!);
        Assert.Equal(stayed.Placement!.NodeId, nowMoved.Placement!.NodeId);
        Assert.True(nowMoved.Generation > moved.Generation);
        Assert.Equal((TaskState.Running, stayed.Generation), (nowStayed.State, nowStayed.Generation));
        Assert.Equal(TaskState.Pending, await pool.StateOf("ahead"));
        await pool.EventuallyAsync(async () =>
            Assert.Contains(await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100),
                e => e.Kind == PoolEventKinds.Consolidation && e.TaskId == moved.TaskId && e.Where == "dc1/n0"
                    && e.Detail == $"moved to make room for train (fits on {stayed.Placement.NodeId})"));
        await pool.AssertConsistentAsync(["a", "b", "train", "ahead"]);
    }

    [Fact]
    public async Task A_scheduler_that_came_after_the_running_tasks_learns_their_requests_from_their_grains_and_moves_them()
    {
        await using var pool = await ScatteredAsync(40, consolidate: true);

        // A new activation knows the nodes' slices but not the requests of the tasks on them.
        await pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("dc1")).Cast<IGrainManagementExtension>().DeactivateOnIdle();

        await pool.SubmitAsync(WholeCard("train"), "train");
        await pool.WaitForAsync("train", TaskState.Running);
        var states = await Task.WhenAll(new[] { "a", "b" }.Select(id => pool.WaitForAsync(id, TaskState.Running)));
        Assert.Single(states.Select(s => s.Placement!.NodeId).Distinct());
        Assert.Single(states, s => s.Runs == 1);
        await pool.AssertConsistentAsync(["a", "b", "train"]);
    }

    [Fact]
    public async Task Nothing_moves_when_the_moved_task_would_fit_on_no_other_node_and_the_task_says_why_it_waits()
    {
        // 70% on each card: emptying either leaves its task nowhere to go.
        await using var pool = await ScatteredAsync(70, consolidate: true, indexResync: TimeSpan.FromSeconds(1));
        var before = (await Task.WhenAll(new[] { "a", "b" }.Select(id => pool.Client.GetAsync(id)))).Select(s => (s!.TaskId, s.Generation, s.State)).ToList();

        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard("train"), "train")).State);
        for (var i = 0; i < 3; i++)
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal(before, (await Task.WhenAll(new[] { "a", "b" }.Select(id => pool.Client.GetAsync(id)))).Select(s => (s!.TaskId, s.Generation, s.State)));
        Assert.Equal(TaskState.Pending, await pool.StateOf("train"));
        Assert.StartsWith("0 of 2 nodes take it now", await pool.Client.WhyWaitingAsync("train"));
    }

    [Fact]
    public async Task A_replica_its_deployment_may_not_move_yet_stays_its_node_is_not_held_and_it_moves_once_the_budget_allows()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)], policy: "spread", indexResync: TimeSpan.FromSeconds(1),
            settingsMaxAge: TimeSpan.Zero, extraSettings: new Dictionary<string, string?> { ["Orion:Pool:Consolidate"] = "true" });

        // Two offline replicas of 40%, one on each node. A replica counts as serving after an hour's run, so while neither
        // has, moving one would leave none serving: beyond the budget of one.
        await pool.Client.DeployAsync("batch", Offline("batch", 40), 2, strategy: new DeploymentStrategy { MinReady = TimeSpan.FromHours(1) });
        List<VGpuTaskStatus> replicas = [];
        await pool.EventuallyAsync(async () =>
        {
            var tasks = await Task.WhenAll((await pool.Client.GetDeploymentAsync("batch"))!.Tasks.Select(r => pool.Client.GetAsync(r.TaskId)));
            Assert.Equal(2, tasks.Count(t => t is { State: TaskState.Running }));
            replicas = [.. tasks.Select(t => t!)];
        });
        Assert.NotEqual(replicas[0].Placement!.NodeId, replicas[1].Placement!.NodeId);

        // A whole-card task: either node empties by moving its replica, which its deployment refuses. Nothing moves, and
        // the node planned for is let go at once: the task is not told room is being made.
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard("train"), "train")).State);
        for (var i = 0; i < 3; i++)
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        foreach (var replica in replicas)
        {
            Assert.Equal((TaskState.Running, replica.Generation), (await pool.StateOf(replica.TaskId), (await pool.Client.GetAsync(replica.TaskId))!.Generation));
        }

        Assert.Equal(TaskState.Pending, await pool.StateOf("train"));
        Assert.DoesNotContain("room is being made", await pool.Client.WhyWaitingAsync("train"));

        // An hour on, both serve: one may move. A resync plans again, a replica moves beside the other and the task runs.
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(TaskState.Running, await pool.StateOf("train"));
        });
        var train = (await pool.Client.GetAsync("train"))!;
        var moved = replicas.Single(r => r.Placement!.NodeId == train.Placement!.NodeId);
        var stayed = replicas.Single(r => r.TaskId != moved.TaskId);
        Assert.Equal((TaskState.Running, stayed.Generation), (await pool.StateOf(stayed.TaskId), (await pool.Client.GetAsync(stayed.TaskId))!.Generation));
        var after = await pool.WaitForAsync(moved.TaskId, TaskState.Running);
        Assert.True(after.Generation > moved.Generation);
        Assert.Equal(stayed.Placement!.NodeId, after.Placement!.NodeId);
    }

    [Fact]
    public async Task A_task_no_move_helped_is_looked_at_again_at_a_resync_and_moved_for_once_a_move_would_help()
    {
        // Spread: a (30%) on n0, b (70%) on n1, d (30%) beside a. The whole-card task fits nowhere and no move helps (n0
        // would need both its tasks gone, with room for one; b fits on n0 beside nothing): it is not planned for again
        // at each round, only after a resync (every second of real time here) or a finished move.
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)], policy: "spread", indexResync: TimeSpan.FromSeconds(1),
            settingsMaxAge: TimeSpan.Zero, extraSettings: new Dictionary<string, string?> { ["Orion:Pool:Consolidate"] = "true" });
        foreach (var (id, percent) in new[] { ("a", 30.0), ("b", 70.0), ("d", 30.0) })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Offline(id, percent), id)).TaskId, TaskState.Running);
        }

        var a = (await pool.Client.GetAsync("a"))!;
        Assert.Equal(a.Placement!.NodeId, (await pool.Client.GetAsync("d"))!.Placement!.NodeId);
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard("train"), "train")).State);
        Assert.Equal(a.Generation, (await pool.Client.GetAsync("a"))!.Generation);

        // d ends: a alone on its node now fits beside b (70% + 30%). A resync looks at the task again: a moves beside b,
        // and the task runs where a was.
        await pool.Client.CancelAsync("d");
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(TaskState.Running, await pool.StateOf("train"));
        });
        var train = (await pool.Client.GetAsync("train"))!;
        Assert.Equal(a.Placement.NodeId, train.Placement!.NodeId);
        var moved = await pool.WaitForAsync("a", TaskState.Running);
        Assert.True(moved.Generation > a.Generation);
        Assert.Equal((await pool.Client.GetAsync("b"))!.Placement!.NodeId, moved.Placement!.NodeId);
        await pool.AssertConsistentAsync(["a", "b", "d", "train"]);
    }

    [Fact]
    public async Task A_gang_that_fits_nowhere_whole_gets_a_node_emptied_for_each_member_and_is_placed_whole_there()
    {
        // Three nodes of two cards, one 30% task on each (spread): a gang of two members of two whole cards fits nowhere.
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2), Node("n2", gpus: 2)], policy: "spread",
            extraSettings: new Dictionary<string, string?> { ["Orion:Pool:Consolidate"] = "true" });
        foreach (var id in new[] { "a", "b", "c" })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Offline(id, 30), id)).TaskId, TaskState.Running);
        }

        var scattered = await Task.WhenAll(new[] { "a", "b", "c" }.Select(id => pool.Client.GetAsync(id)));
        Assert.Equal(3, scattered.Select(s => s!.Placement!.NodeId).Distinct().Count());

        var member = Specs.Training(2, steps: 1_000_000) with { Gang = new GangSpec("ddp", 2) };
        await pool.Client.SubmitManyAsync([new(member, "ddp-0"), new(member, "ddp-1")]);

        // Two nodes emptied, the gang placed whole on them with its rendezvous; the three tasks run on the third node.
        var placed = await Task.WhenAll(new[] { "ddp-0", "ddp-1" }.Select(id => pool.WaitForAsync(id, TaskState.Running)));
        Assert.Equal(2, placed.Select(p => p.Placement!.NodeId).Distinct().Count());
        Assert.All(placed, p => Assert.NotNull(p.Placement!.Rendezvous));
        var batches = await Task.WhenAll(new[] { "a", "b", "c" }.Select(id => pool.WaitForAsync(id, TaskState.Running)));
        var third = Assert.Single(batches.Select(b => b.Placement!.NodeId).Distinct());
        Assert.DoesNotContain(third, placed.Select(p => p.Placement!.NodeId));
        Assert.Equal(2, batches.Count(b => b.Runs == 1));
        await pool.AssertConsistentAsync(["a", "b", "c", "ddp-0", "ddp-1"]);
    }

    [Fact]
    public async Task Work_that_asked_to_stay_put_is_not_moved_and_the_waiting_task_is_told_of_no_such_move()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)], policy: "spread", indexResync: TimeSpan.FromSeconds(1),
            extraSettings: new Dictionary<string, string?> { ["Orion:Pool:Consolidate"] = "true" });
        foreach (var id in new[] { "a", "b" })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Offline(id, 40) with { StayPut = true }, id)).TaskId, TaskState.Running);
        }

        // The nodes' accounts carry the wish (the scheduler sees slices, not specs).
        foreach (var node in new[] { "n0", "n1" })
        {
            var slice = Assert.Single((await pool.NodeSnapshot(node)).Gpus.SelectMany(g => g.Slices));
            Assert.True(slice.StayPut);
        }

        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard("train"), "train")).State);
        for (var i = 0; i < 3; i++)
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.All(await Task.WhenAll(new[] { "a", "b" }.Select(id => pool.Client.GetAsync(id))), s => Assert.Equal((TaskState.Running, 1L), (s!.State, s.Generation)));
        Assert.Equal(TaskState.Pending, await pool.StateOf("train"));
        Assert.DoesNotContain("scattered", await pool.Client.WhyWaitingAsync("train"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_where_a_gang_member_fits_already_is_held_for_the_gang_while_another_is_emptied_for_the_rest()
    {
        // Two nodes hold a 30% task each (spread), the third is empty: one member of two whole cards fits the empty one
        // now, the other needs one of the others emptied (the first by id; its task moves beside the other's).
        var gate = new GrainCallGate();
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2), Node("n2", gpus: 2)], policy: "spread", gate: gate,
            extraSettings: new Dictionary<string, string?> { ["Orion:Pool:Consolidate"] = "true" });
        var used = new List<string>();
        foreach (var id in new[] { "a", "b" })
        {
            used.Add((await pool.WaitForAsync((await pool.SubmitAsync(Offline(id, 30), id)).TaskId, TaskState.Running)).Placement!.NodeId);
        }

        var empty = Assert.Single(new[] { "dc1/n0", "dc1/n1", "dc1/n2" }.Except(used));
        var emptied = used.Min(StringComparer.Ordinal)!;

        var held = gate.Close("IVGpuTaskGrain.Move");
        var member = Specs.Training(2, steps: 1_000_000) with { Gang = new GangSpec("ddp", 2) };
        await pool.Client.SubmitManyAsync([new(member, "ddp-0"), new(member, "ddp-1")]);
        await held;

        // While the move is held, a task of two whole cards (queued after the gang) would fit the empty node now: it is the gang's.
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(Specs.Training(2, steps: 1_000_000, name: "other"), "other")).State);
        gate.Open("IVGpuTaskGrain.Move");

        var placed = await Task.WhenAll(new[] { "ddp-0", "ddp-1" }.Select(id => pool.WaitForAsync(id, TaskState.Running)));
        Assert.Equal(new[] { empty, emptied }.Order(), placed.Select(p => p.Placement!.NodeId).Order());
        Assert.Equal(TaskState.Pending, await pool.StateOf("other"));
        await Task.WhenAll(new[] { "a", "b" }.Select(id => pool.WaitForAsync(id, TaskState.Running)));
        await pool.AssertConsistentAsync(["a", "b", "ddp-0", "ddp-1", "other"]);
    }
}
