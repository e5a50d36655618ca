using Microsoft.Extensions.Logging.Abstractions;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class FailoverTests
{
    private static TaskSpec Long(RestartPolicy restart) =>
        Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 3_600_000) with { Restart = restart };

    [Fact]
    public async Task A_daemon_that_misses_its_lease_takes_its_cards_out_and_its_tasks_restart_or_fail_by_policy()
    {
        var lease = TimeSpan.FromSeconds(3);
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)], daemonLease: lease);

        // Both tasks on one node: a two-card task fills the other node first, and goes before that node's daemon does, so the
        // task that restarts has room there.
        await pool.SubmitAsync(Specs.Training(2, steps: 1_000_000), "blocker");
        var blocker = await pool.WaitForAsync("blocker", TaskState.Running);
        await pool.SubmitAsync(Long(RestartPolicy.OnFailure(2)), "restarts");
        await pool.SubmitAsync(Long(RestartPolicy.Never), "fails");
        var first = await pool.WaitForAsync("restarts", TaskState.Running);
        var other = await pool.WaitForAsync("fails", TaskState.Running);
        Assert.NotEqual(blocker.Placement!.NodeId, first.Placement!.NodeId);
        Assert.Equal(first.Placement.NodeId, other.Placement!.NodeId);
        var (dead, live) = (first.Placement.NodeId.Split('/')[1], blocker.Placement.NodeId.Split('/')[1]);
        await pool.Client.CancelAsync("blocker");
        await pool.WaitForAsync("blocker", TaskState.Cancelled);
        await pool.EventuallyAsync(async () => Assert.All((await pool.NodeSnapshot(live)).Gpus, g => Assert.Empty(g.Slices)));

        // The machine dies: no more heartbeats, while the live daemon keeps up with the clock.
        await pool.LoseDaemonAsync(dead, lease);

        // The lease is past: the next lease check (every 100 ms) declares the daemon lost.
        var failed = await pool.WaitForAsync("fails", TaskState.Failed);
        Assert.Contains("missed its lease", failed.ExitReason);
        Assert.Equal(0, failed.Restarts);
        VGpuTaskStatus? restarted = null;
        await pool.EventuallyAsync(async () =>
        {
            restarted = (await pool.Client.GetAsync("restarts"))!;
            Assert.Equal((TaskState.Running, 2L), (restarted.State, restarted.Generation));
        });
        Assert.Equal(blocker.Placement.NodeId, restarted!.Placement!.NodeId);
        Assert.Equal((2L, 1), (restarted.Generation, restarted.Restarts));
        Assert.Contains("missed its lease", restarted.ExitReason);

        var lost = await pool.NodeSnapshot(dead);
        Assert.False(lost.Schedulable);
        Assert.Equal(0, lost.CpuAllocatedMilli);
        Assert.All(lost.Gpus, g => Assert.Empty(g.Slices));
        Assert.True((await pool.NodeSnapshot(live)).Schedulable);
    }

    [Fact]
    public async Task A_heartbeat_lost_on_its_way_does_not_cost_a_live_daemon_its_lease()
    {
        var lease = TimeSpan.FromSeconds(3);
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], daemonLease: lease, faults: faults);
        await pool.SubmitAsync(Long(RestartPolicy.Never), "kept");
        await pool.WaitForAsync("kept", TaskState.Running);

        // The next heartbeat goes through a gateway that dies: it is never answered (the client would give up after 30 s).
        faults.LoseNext("INodeGrain.Register", "dc1/n0");

        // Twice the lease on the fake clock, in steps the daemon's heartbeats (every 500 ms) keep up with when they arrive:
        // a daemon that waited on its lost heartbeat would fall a lease behind, and the clock would stop short of it.
        var end = pool.Clock.GetUtcNow() + 2 * lease;
        while (pool.Clock.GetUtcNow() < end)
        {
            await pool.UntilHeardAsync("n0", lease);
            pool.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(0, faults.StillToLose("INodeGrain.Register", "dc1/n0"));
        Assert.True((await pool.NodeSnapshot("n0")).Schedulable);
        var kept = (await pool.Client.GetAsync("kept"))!;
        Assert.Equal((TaskState.Running, 0, 1L), (kept.State, kept.Restarts, kept.Generation));
    }

    [Fact]
    public async Task A_daemon_whose_first_registration_is_lost_or_fails_registers_at_its_next_attempt()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults);

        // The first registration goes through a gateway that dies (never answered), or reaches a cluster still forming (fails):
        // the daemon tries again a registration interval later (5 s on the pool's clock) instead of giving up its start.
        faults.LoseNext("INodeGrain.Register", "dc1/lost-0");
        faults.FailNext("INodeGrain.Register", "dc1/failed-0");
        foreach (var name in new[] { "lost-0", "failed-0" })
        {
            var (daemon, _) = await pool.WhileAdvancing(pool.StartOwnDaemonAsync(name), TimeSpan.FromSeconds(30));
            await using (daemon)
            {
                var node = await pool.Grains.GetGrain<INodeGrain>($"dc1/{name}").GetSnapshot();
                Assert.True(node is { Schedulable: true }, $"{name} not registered");
            }
        }

        Assert.Equal(0, faults.StillToLose("INodeGrain.Register", "dc1/lost-0"));
        Assert.Equal(0, faults.StillToFail("INodeGrain.Register", "dc1/failed-0"));
    }

    [Fact]
    public async Task A_report_lost_on_its_way_is_sent_again_and_does_not_hold_the_reports_behind_it()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], faults: faults, reportTimeout: TimeSpan.FromMilliseconds(500));

        // The daemon's word that the first task started goes to a silo that dies: never answered (Orleans' client would wait
        // 30 s). The second task's report waits behind it on the daemon's one queue.
        faults.LoseNext("IVGpuTaskGrain.OnStarted", "first");
        await pool.SubmitAsync(Long(RestartPolicy.Never), "first");
        await pool.SubmitAsync(Long(RestartPolicy.Never), "second");

        // Both well within the 30 s a lost call waits: the report is sent again after half a second.
        var first = await pool.WaitForAsync("first", TaskState.Running);
        var second = await pool.WaitForAsync("second", TaskState.Running);
        Assert.Equal(0, faults.StillToLose("IVGpuTaskGrain.OnStarted", "first"));
        Assert.Equal((1L, 0), (first.Generation, first.Restarts));
        Assert.Equal(first.Placement!.NodeId, second.Placement!.NodeId);
        await pool.AssertConsistentAsync(["first", "second"]);
    }

    [Fact]
    public async Task A_card_that_fails_to_release_a_lost_task_does_not_stop_the_others_failing_over_and_is_released_later()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], daemonLease: TimeSpan.FromSeconds(3), faults: faults);
        await pool.SubmitAsync(Long(RestartPolicy.Never), "first");
        var placed = await pool.WaitForAsync("first", TaskState.Running);
        await pool.SubmitAsync(Long(RestartPolicy.Never), "second");
        await pool.WaitForAsync("second", TaskState.Running);

        // The first task's card cannot be reached once when the lease is missed (its silo is going, say).
        var card = Assert.Single(placed.Placement!.GpuIds);
        faults.FailNext("IGpuGrain.Release", card);
        await pool.Daemon("n0").DisposeAsync();
        pool.Advance(TimeSpan.FromSeconds(4));

        var second = await pool.WaitForAsync("second", TaskState.Failed);
        Assert.Contains("missed its lease", second.ExitReason);
        var first = await pool.WaitForAsync("first", TaskState.Failed);
        Assert.Contains("missed its lease", first.ExitReason);
        Assert.Equal(0, faults.StillToFail("IGpuGrain.Release", card));
        await pool.EventuallyAsync(async () =>
        {
            var lost = await pool.NodeSnapshot("n0");
            Assert.False(lost.Schedulable);
            Assert.Equal(0, lost.CpuAllocatedMilli);
            Assert.All(lost.Gpus, g => Assert.Empty(g.Slices));
        });
        Assert.Null((await pool.Grains.GetGrain<IGpuGrain>(card).GetSnapshot())?.Slices.FirstOrDefault());
    }

    [Fact]
    public async Task A_heartbeat_that_waits_on_a_card_does_not_count_against_the_daemons_lease()
    {
        var gate = new GrainCallGate();
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], daemonLease: TimeSpan.FromSeconds(3), gate: gate, calls: calls);
        var task = await pool.SubmitAsync(Long(RestartPolicy.Never));
        await pool.WaitForAsync(task.TaskId, TaskState.Running);

        // A heartbeat whose card is slow to answer (it moves silos, say): the daemon sends the next one only after it,
        // and heartbeats that queue behind the node's turn can expire there. The node could not hear from its daemon meanwhile.
        var held = gate.Close("IGpuGrain.Attach");
        pool.Advance(TimeSpan.FromMilliseconds(500));
        await held.WaitAsync(TimeSpan.FromSeconds(10));
        pool.Advance(TimeSpan.FromSeconds(30));

        // The node's timers (lease checks every 100 ms, a residence check every 10 s) cannot run while the heartbeat holds
        // its turn. Once it is let go, three ticks that start after it mean two lease checks, the first finished: a lease
        // counted from the heartbeat's start (30.5 s ago on the fake clock) would have been missed there.
        const string tick = "IGrainTimerInvoker.InvokeCallbackAsync@dc1/n0";
        var ticks = calls[tick];
        gate.Open("IGpuGrain.Attach");
        await pool.EventuallyAsync(() =>
        {
            Assert.True(calls[tick] >= ticks + 3, $"{calls[tick] - ticks} ticks of the node's timers since");
            return Task.CompletedTask;
        });
        Assert.Equal(TaskState.Running, await pool.StateOf(task.TaskId));
        Assert.True((await pool.NodeSnapshot("n0")).Schedulable);
    }

    [Fact]
    public async Task A_restarted_daemon_reconciles_lost_tasks_restart_and_orphans_are_stopped()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Long(RestartPolicy.OnFailure(1)), "survivor");
        var before = await pool.WaitForAsync("survivor", TaskState.Running);

        // The daemon process dies and comes back empty, except for a process nobody placed.
        await pool.Daemon("n0").DisposeAsync();
        var backend = new SimulatedGpuBackend("dc1/n0", [GpuModelCatalog.Get("A100-80GB"), GpuModelCatalog.Get("A100-80GB")], pool.Clock);
        backend.Start(new TaskLaunch("ghost", 7, ["dc1/n0/1"], 100, 1024, WorkloadSpec.Batch(1, 1e9)));
        var options = new NodeDaemonOptions { NodeName = "n0", DataCenter = "dc1", CpuMilli = 64_000, MemoryMiB = 262_144, RegistrationInterval = TimeSpan.FromDays(1) };
        await using var reborn = new GpuNodeDaemon(options, backend, pool.Grains, NullLogger<GpuNodeDaemon>.Instance, pool.Clock);
        await reborn.StartAsync(CancellationToken.None);

        var after = await pool.WaitForAsync("survivor", TaskState.Running);
        Assert.Equal(before.Generation + 1, after.Generation);
        Assert.Equal(1, after.Restarts);
        Assert.Contains("restarted without it", after.ExitReason);
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(["survivor"], backend.Running.Keys.ToArray());
            Assert.Equal(after.Generation, backend.Running["survivor"]);
            return Task.CompletedTask;
        });
        var node = await pool.NodeSnapshot("n0");
        Assert.Equal(["survivor"], node.Gpus.SelectMany(g => g.Slices).Select(s => s.TaskId).ToArray());
    }

    [Fact]
    public async Task A_fresh_node_activation_adopts_what_its_daemon_runs_and_lets_go_of_what_it_does_not_hold()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Long(RestartPolicy.Never), "kept");
        var before = await pool.WaitForAsync("kept", TaskState.Running);

        // The node grain's activation goes (as with its silo); the card keeps its slice. A stale slice nobody holds is left on the card too.
        await pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0").Reserve(new GpuSlice("ghost", 9, 100, 1024, false));
        await pool.Grains.GetGrain<INodeGrain>("dc1/n0").Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();

        // A new activation: it knows nothing until its daemon's next heartbeat (the fake clock has not moved, so none came).
        Assert.Null(await pool.Grains.GetGrain<INodeGrain>("dc1/n0").GetSnapshot());
        await pool.EventuallyAsync(async () =>
        {
            // The daemon's next heartbeat (on the fake clock) registers it with the fresh activation.
            pool.Advance(TimeSpan.FromMilliseconds(100));
            var node = Assert.IsType<NodeSnapshot>(await pool.Grains.GetGrain<INodeGrain>("dc1/n0").GetSnapshot());
            Assert.Equal(["kept"], node.Gpus.SelectMany(g => g.Slices).Select(s => s.TaskId).ToArray());
            Assert.Equal(before.Spec.Resources.CpuMilli, node.CpuAllocatedMilli);
        });
        Assert.Equal((TaskState.Running, before.Generation), ((await pool.Client.GetAsync("kept"))!.State, (await pool.Client.GetAsync("kept"))!.Generation));
        Assert.Equal(["kept"], pool.Backend("n0").Running.Keys.ToArray());
    }

    [Fact]
    public async Task A_fresh_node_activation_whose_first_registration_fails_part_way_adopts_at_the_next_heartbeat()
    {
        var faults = new GrainCallFaults();
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, calls: calls);
        await pool.SubmitAsync(Long(RestartPolicy.Never), "kept");
        var before = await pool.WaitForAsync("kept", TaskState.Running);

        // The node grain's activation goes (as with its silo), and the fresh one's first registration fails at its card.
        await pool.Grains.GetGrain<INodeGrain>("dc1/n0").Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        faults.FailNext("IGpuGrain.Attach", "dc1/n0/0");
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(100));
            Assert.Equal(0, faults.StillToFail("IGpuGrain.Attach", "dc1/n0/0"));
            var node = Assert.IsType<NodeSnapshot>(await pool.Grains.GetGrain<INodeGrain>("dc1/n0").GetSnapshot());
            Assert.Equal(before.Spec.Resources.CpuMilli, node.CpuAllocatedMilli);
        });

        // More heartbeats: the task is held, not stopped as an orphan.
        await Heartbeats(pool, calls, "dc1/n0", 5);

        Assert.Equal(["kept"], pool.Backend("n0").Running.Keys.ToArray());
        Assert.Equal((TaskState.Running, before.Generation), ((await pool.Client.GetAsync("kept"))!.State, (await pool.Client.GetAsync("kept"))!.Generation));
    }

    [Fact]
    public async Task A_task_a_fresh_node_activation_could_not_adopt_does_not_stop_the_others_being_adopted_and_is_adopted_later()
    {
        var faults = new GrainCallFaults();
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], faults: faults, calls: calls);
        await pool.SubmitAsync(Long(RestartPolicy.Never), "a");
        await pool.WaitForAsync("a", TaskState.Running);
        await pool.SubmitAsync(Long(RestartPolicy.Never), "b");
        await pool.WaitForAsync("b", TaskState.Running);

        // The fresh activation's adoption fails once at each task's card (whichever it adopts first).
        await pool.Grains.GetGrain<INodeGrain>("dc1/n0").Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        faults.FailNext("IGpuGrain.OnTaskStarted", "dc1/n0/0");
        faults.FailNext("IGpuGrain.OnTaskStarted", "dc1/n0/1");
        await Heartbeats(pool, calls, "dc1/n0", 5);

        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(100));
            var node = Assert.IsType<NodeSnapshot>(await pool.Grains.GetGrain<INodeGrain>("dc1/n0").GetSnapshot());
            Assert.Equal(["a", "b"], node.Gpus.SelectMany(g => g.Slices).Select(s => s.TaskId).Order().ToArray());
        });
        Assert.Equal(["a", "b"], pool.Backend("n0").Running.Keys.Order().ToArray());
        Assert.Equal([TaskState.Running, TaskState.Running], [await pool.StateOf("a"), await pool.StateOf("b")]);
    }

    [Fact]
    public async Task A_card_that_throws_on_a_reservation_leaves_no_slice_on_the_cards_that_accepted()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], faults: faults);

        // One of the two cards a training task needs cannot be reached (its silo is going): every reservation fails there.
        faults.FailNext("IGpuGrain.Reserve", "dc1/n0/1", times: 1_000);
        try
        {
            await pool.SubmitAsync(Specs.Training(2), "train");
        }
        catch (NotSupportedException)
        {
            // The submit's own placement met the card's failure; the client would retry it.
        }

        await pool.EventuallyAsync(async () =>
        {
            Assert.True(faults.StillToFail("IGpuGrain.Reserve", "dc1/n0/1") < 1_000);
            Assert.Empty((await pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0").GetSnapshot())!.Slices);
        });
        Assert.Equal(0, (await pool.NodeSnapshot("n0")).CpuAllocatedMilli);
    }

    [Fact]
    public void Restart_policy_rules_are_named() =>
        Assert.Equal("restart.maxAttempts", Assert.Single(SpecValidator.Validate(Specs.Batch() with { Restart = RestartPolicy.OnFailure(0) })).Field);

    /// <summary>Moves the clock on until the node's daemon has registered <paramref name="count"/> more times: heartbeats that really ran.</summary>
    private static async Task Heartbeats(TestPool pool, GrainCallCounter calls, string nodeId, int count)
    {
        var done = calls[$"INodeGrain.Register@{nodeId}"] + count;
        await pool.EventuallyAsync(() =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(100));
            Assert.True(calls[$"INodeGrain.Register@{nodeId}"] >= done, "fewer heartbeats than asked for");
            return Task.CompletedTask;
        });
    }
}
