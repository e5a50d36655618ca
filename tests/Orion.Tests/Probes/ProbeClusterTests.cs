using Orion.Contracts;
using Orion.Tests.Cluster;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Probes;

/// <summary>
/// Probes made by the in-process daemons for real (HTTP GETs of endpoints on the loopback the test turns up and down),
/// on the pool's clock: readiness a task and its deployment see, liveness and startup that stop a run as failed, and
/// none while a run is paused.
/// </summary>
public sealed class ProbeClusterTests
{
    private static TaskSpec Web(string name = "web") => Specs.Batch(computePercent: 20, gpuMemoryMiB: 1024, items: 1_000_000, gpuMsPerItem: 1_000, name: name, tenant: "shop");

    [Fact]
    public async Task A_run_is_not_ready_saying_why_until_its_probe_passes_and_turns_not_ready_after_its_threshold_of_failures()
    {
        await using var ready = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Web() with { Readiness = ready.Probe }, "web");
        var running = await pool.WaitForAsync("web", TaskState.Running);
        var failing = ready.Failure;
        var waiting = await Until(pool, "web", s => s.NotReadyBecause is not null);
        Assert.Equal((false, failing), (waiting.Ready, waiting.NotReadyBecause));
        Assert.Equal($"not ready: {failing}", await pool.Client.WhyWaitingAsync("web"));

        ready.Up = true;
        var passed = await Until(pool, "web", s => s.Ready == true);
        Assert.Null(passed.NotReadyBecause);
        Assert.Null(await pool.Client.WhyWaitingAsync("web"));

        // A late word about an earlier run changes nothing.
        await pool.Grains.GetGrain<IVGpuTaskGrain>("web").OnReadiness(running.Generation - 1, false, "stale");
        Assert.True((await pool.Client.GetAsync("web"))!.Ready);

        ready.Up = false;
        var lost = await Until(pool, "web", s => s.Ready == false);
        Assert.Equal($"3 times in a row (last: {failing})", lost.NotReadyBecause);
        Assert.Equal(TaskState.Running, lost.State);
        await pool.EventuallyAsync(async () =>
        {
            var said = Assert.Single((await pool.Client.GetEventsAsync(max: 500)).Where(e => e.Kind == PoolEventKinds.Unhealthy));
            Assert.Equal(("web", $"not ready: 3 times in a row (last: {failing})"), (said.TaskId, said.Detail));
        });
    }

    [Fact]
    public async Task A_run_that_fails_its_liveness_probe_is_stopped_as_failed_restarted_by_its_policy_and_its_cards_go_back()
    {
        await using var alive = new ProbeTarget(up: true);
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var probe = alive.Probe with { Period = TimeSpan.FromSeconds(5), FailureThreshold = 2 };
        await pool.SubmitAsync(Web() with { Liveness = probe, Restart = RestartPolicy.OnFailure(1) }, "web");
        var first = await pool.WaitForAsync("web", TaskState.Running);

        // Passing, it runs on.
        await Advance(pool, TimeSpan.FromSeconds(30));
        Assert.Equal((TaskState.Running, first.Generation), ((await pool.Client.GetAsync("web"))!.State, (await pool.Client.GetAsync("web"))!.Generation));

        alive.Up = false;
        var why = $"its liveness probe failed: 2 times in a row (last: {alive.Failure})";
        var restarted = await Until(pool, "web", s => s.Restarts == 1 && s.State == TaskState.Running);
        Assert.Equal(why, restarted.ExitReason);
        Assert.True(restarted.Generation > first.Generation);

        var failed = await Until(pool, "web", s => s.State == TaskState.Failed);
        Assert.Equal(why, failed.ExitReason);
        Assert.Empty(pool.Backend("n0").Running);
        await pool.AssertConsistentAsync(["web"]);
        await pool.EventuallyAsync(async () => Assert.Equal(
            [$"stopped: {why}", $"stopped: {why}"],
            (await pool.Client.GetEventsAsync(max: 500)).Where(e => e.Kind == PoolEventKinds.Unhealthy && e.TaskId == "web").Select(e => e.Detail)));
    }

    [Fact]
    public async Task Until_its_startup_probe_passes_a_runs_other_probes_wait_and_a_run_that_never_starts_is_stopped_as_failed()
    {
        await using var started = new ProbeTarget();
        await using var alive = new ProbeTarget();
        await using var never = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Web() with { Startup = started.Probe with { FailureThreshold = 30 }, Liveness = alive.Probe }, "slow");
        await pool.SubmitAsync(Web() with { Startup = never.Probe with { Period = TimeSpan.FromSeconds(5), FailureThreshold = 2 } }, "stuck");
        await pool.WaitForAsync("slow", TaskState.Running);

        // Loading for minutes: not ready, and its failing liveness probe not yet made.
        var stuck = await Until(pool, "stuck", s => s.State == TaskState.Failed);
        Assert.Equal($"its startup probe failed: 2 times in a row (last: {never.Failure})", stuck.ExitReason);
        await Advance(pool, TimeSpan.FromMinutes(2));
        var loading = (await pool.Client.GetAsync("slow"))!;
        Assert.Equal((TaskState.Running, false), (loading.State, loading.Ready));
        Assert.Equal(0, alive.Probes);
        Assert.Equal($"not ready: its startup probe ({started.Probe.Target}) has not passed yet", await pool.Client.WhyWaitingAsync("slow"));

        // Started: ready (it has no readiness probe), and its liveness probe, failing, ends it.
        started.Up = true;
        Assert.True((await Until(pool, "slow", s => s.Ready == true || s.State == TaskState.Failed)).Ready);
        var failed = await Until(pool, "slow", s => s.State == TaskState.Failed);
        Assert.Equal($"its liveness probe failed: 3 times in a row (last: {alive.Failure})", failed.ExitReason);
        Assert.Equal(3, alive.Probes);
    }

    [Fact]
    public async Task A_paused_run_is_not_probed_and_its_failures_before_the_pause_do_not_count_after()
    {
        await using var alive = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Web() with { Liveness = alive.Probe }, "web");
        await pool.WaitForAsync("web", TaskState.Running);
        await Until(pool, "web", _ => alive.Probes >= 2);
        await pool.Client.PauseAsync("web", "profiling");
        await pool.WaitForAsync("web", TaskState.Suspended);
        await Task.Delay(500);
        var before = alive.Probes;

        // Failing all along, but paused: minutes pass, no probe is made, and it is still there.
        await Advance(pool, TimeSpan.FromMinutes(2));
        Assert.Equal(TaskState.Suspended, await pool.StateOf("web"));
        Assert.Equal(before, alive.Probes);

        await pool.Client.ResumeAsync("web");
        var failed = await Until(pool, "web", s => s.State == TaskState.Failed);
        Assert.Equal($"its liveness probe failed: 3 times in a row (last: {alive.Failure})", failed.ExitReason);
        Assert.True(alive.Probes >= before + 3);
    }

    [Fact]
    public async Task A_rollout_cancels_no_old_replica_and_a_drain_moves_no_other_while_a_new_one_is_not_ready()
    {
        await using var ready = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.Client.DeployAsync("web", Web(), 1);
        await pool.WaitForAsync("web.1", TaskState.Running);

        await pool.Client.DeployAsync("web", Web("web-2") with { Readiness = ready.Probe }, 1);
        await pool.WaitForAsync("web.2", TaskState.Running);
        await Advance(pool, TimeSpan.FromMinutes(1));
        var rolling = await Look(pool);
        Assert.Equal(TaskState.Running, await pool.StateOf("web.1"));
        Assert.True(rolling.Tasks.Single(t => t.TaskId == "web.2").NotReady);
        Assert.Equal((0, true), (rolling.Ready, rolling.Rolling));
        Assert.Equal("deployment web moves its replicas one at a time (web.2 not serving)", await pool.Grains.GetGrain<IDeploymentGrain>("web").MayMove("web.1"));

        ready.Up = true;
        await Until(pool, "web.2", s => s.Ready == true);
        await pool.EventuallyAsync(async () =>
        {
            var rolled = await Look(pool);
            Assert.Equal((1, false, "web.2"), (rolled.Ready, rolled.Rolling, rolled.Tasks.Single().TaskId));
        });
        Assert.Contains("replaced it with revision 2", (await pool.Client.GetAsync("web.1"))!.ExitReason);
    }

    [Fact]
    public async Task With_a_min_ready_a_replica_warms_up_from_when_its_probe_passes_not_from_its_start()
    {
        await using var ready = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.DeployAsync("web", Web() with { Readiness = ready.Probe }, 1, strategy: new DeploymentStrategy { MinReady = TimeSpan.FromMinutes(1) });
        await pool.WaitForAsync("web.1", TaskState.Running);

        // Minutes running, never ready: not ready, not warming.
        await Advance(pool, TimeSpan.FromMinutes(3));
        var unready = await Look(pool);
        Assert.Equal((true, false, 0), (unready.Tasks[0].NotReady, unready.Tasks[0].Warming, unready.Ready));

        ready.Up = true;
        var since = (await Until(pool, "web.1", s => s.Ready == true)).ReadySince!.Value;
        Assert.Equal(since, (await pool.Client.GetAsync("web.1"))!.ServingSince);
        // In steps: a jump past the nodes' lease would lose them.
        await Advance(pool, since + TimeSpan.FromSeconds(59) - pool.Clock.GetUtcNow());
        var warming = await Look(pool);
        Assert.Equal((false, true, 0), (warming.Tasks[0].NotReady, warming.Tasks[0].Warming, warming.Ready));

        pool.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await Look(pool)).Ready);
    }

    [Fact]
    public async Task A_rollout_whose_replica_is_never_ready_fails_at_its_progress_deadline_and_with_rollback_on_failure_undoes_itself()
    {
        await using var never = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var strategy = new DeploymentStrategy { MinReady = TimeSpan.FromSeconds(30), ProgressDeadline = TimeSpan.FromMinutes(2) };
        await pool.Client.DeployAsync("web", Web(), 1, strategy: strategy);
        await pool.WaitForAsync("web.1", TaskState.Running);
        await LookWhileAdvancing(pool, d => d.RolledOut);

        var unready = Web("web-2") with { Readiness = never.Probe };
        await pool.Client.DeployAsync("web", unready, 1, strategy: strategy);
        await pool.WaitForAsync("web.2", TaskState.Running);
        var waited = pool.Client.WaitForRolloutAsync("web", TimeSpan.FromHours(1));

        // Two minutes on without a new replica ready: failed, the waiter told why a replica waits; nothing undone.
        var stalled = await LookWhileAdvancing(pool, d => d.Stalled);
        Assert.Equal((2, "rollout of revision 2 failed: no progress in 2m"), (stalled.Revision, Orion.Client.Monitoring.DeploymentSummary.StateOf(stalled)));
        var failed = await Assert.ThrowsAsync<Orion.Client.RolloutFailedException>(() => waited.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith($"deployment web: revision 2 made no progress in 2m (its progress deadline); web.2 waits: not ready: {never.Failure}", failed.Message);
        Assert.Equal(TaskState.Running, await pool.StateOf("web.1"));

        // With roll back on failure, the next look undoes it: revision 1's spec again, as revision 3; a waiter on revision 2 hears it.
        var rollBack = strategy with { RollBackOnFailure = true };
        await pool.Client.DeployAsync("web", unready, 1, strategy: rollBack);
        var rolledBack = await LookWhileAdvancing(pool, d => d.Revision == 3 && d.RolledOut);
        Assert.Equal(("web.3", Web()), (rolledBack.Tasks.Single().TaskId, rolledBack.Template));
        Assert.Equal("revision 2's rollout made no progress in 2m", rolledBack.RolledBack);
        var rollouts = (await pool.Client.GetEventsAsync(max: 500)).Where(e => e.Kind == PoolEventKinds.Rollout && e.TaskId == "web").Select(e => e.Detail).ToList();
        Assert.Contains("web's rollout of revision 2 failed: no progress in 2m (0 of 1 new replicas ready)", rollouts);
        Assert.Contains("web rolled back to revision 1's spec as revision 3: revision 2's rollout made no progress in 2m", rollouts);
    }

    [Fact]
    public async Task A_rollout_longer_than_its_progress_deadline_that_keeps_making_progress_does_not_fail()
    {
        await using var ready = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var strategy = new DeploymentStrategy { MinReady = TimeSpan.FromSeconds(30), ProgressDeadline = TimeSpan.FromMinutes(2) };
        await pool.Client.DeployAsync("web", Web(), 2, strategy: strategy);
        await LookWhileAdvancing(pool, d => d.RolledOut);
        var started = pool.Clock.GetUtcNow();
        await pool.Client.DeployAsync("web", Web("web-2") with { Readiness = ready.Probe }, 2, strategy: strategy);

        // Its first new replica serves at about 1m40s (ready at 1m, warm 30 s on), the second 30 s or so after: done past
        // two minutes, but never two minutes without progress.
        await LookWhileAdvancing(pool, _ => pool.Clock.GetUtcNow() - started >= TimeSpan.FromMinutes(1));
        ready.Up = true;
        var done = await LookWhileAdvancing(pool, d => d.RolledOut || d.Stalled);
        Assert.Equal((true, false, 2), (done.RolledOut, done.Stalled, done.Revision));
        Assert.True(pool.Clock.GetUtcNow() - started > TimeSpan.FromMinutes(2), $"rolled out in {pool.Clock.GetUtcNow() - started}");
    }

    [Fact]
    public async Task A_rollout_past_its_deadline_that_makes_progress_again_is_failed_no_longer()
    {
        await using var late = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        // No surge: the old replica goes first, so the new one's turning ready is both the progress and the end.
        var strategy = new DeploymentStrategy { ProgressDeadline = TimeSpan.FromMinutes(1), MaxSurge = 0, MaxUnavailable = 1 };
        await pool.Client.DeployAsync("web", Web(), 1, strategy: strategy);
        await LookWhileAdvancing(pool, d => d.RolledOut);
        await pool.Client.DeployAsync("web", Web("web-2") with { Readiness = late.Probe }, 1, strategy: strategy);
        await LookWhileAdvancing(pool, d => d.Stalled);

        late.Up = true;
        var done = await LookWhileAdvancing(pool, d => d.RolledOut);
        Assert.Equal((2, false, "ready"), (done.Revision, done.Stalled, Orion.Client.Monitoring.DeploymentSummary.StateOf(done)));
    }

    [Fact]
    public async Task A_waiter_on_a_revision_the_deployment_rolls_back_by_itself_fails_saying_so()
    {
        await using var never = new ProbeTarget();
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var strategy = new DeploymentStrategy { MinReady = TimeSpan.FromSeconds(30), ProgressDeadline = TimeSpan.FromMinutes(1), RollBackOnFailure = true };
        await pool.Client.DeployAsync("web", Web(), 1, strategy: strategy);
        await pool.WaitForAsync("web.1", TaskState.Running);
        await LookWhileAdvancing(pool, d => d.RolledOut);
        await pool.Client.DeployAsync("web", Web("web-2") with { Readiness = never.Probe }, 1, strategy: strategy);
        var waited = pool.Client.WaitForRolloutAsync("web", TimeSpan.FromHours(1));
        await LookWhileAdvancing(pool, d => d.Revision == 3 && d.RolledOut);
        var failed = await Assert.ThrowsAsync<Orion.Client.RolloutFailedException>(() => waited.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("deployment web: revision 2 was rolled back by the deployment itself (revision 2's rollout made no progress in 1m)", failed.Message);
    }

    /// <summary>Has the deployment look, a second of the pool's clock apart, until <paramref name="condition"/> holds of what it saw.</summary>
    private static Task<DeploymentStatus> LookWhileAdvancing(TestPool pool, Func<DeploymentStatus, bool> condition) =>
        WhileAdvancing(pool, () => Look(pool), condition, seen => string.Join(", ", seen.Tasks));

    /// <summary>The deployment as a look at the pool's clock now saw it (the look is one-way: asked until one has been made).</summary>
    private static async Task<DeploymentStatus> Look(TestPool pool)
    {
        DeploymentStatus? seen = null;
        await pool.EventuallyAsync(async () =>
        {
            await pool.Grains.GetGrain<IDeploymentGrain>("web").OnCheckTick();
            seen = (await pool.Client.GetDeploymentAsync("web"))!;
            Assert.Equal(pool.Clock.GetUtcNow(), seen.CheckedAt);
        });
        return seen!;
    }

    /// <summary>Moves the pool's clock on a second at a time, giving the probes a moment of real time each, until the task is as asked.</summary>
    private static Task<VGpuTaskStatus> Until(TestPool pool, string id, Func<VGpuTaskStatus, bool> condition) =>
        WhileAdvancing(pool, async () => (await pool.Client.GetAsync(id))!, condition,
            status => $"{id} still {status.State}, ready {status.Ready} ({status.NotReadyBecause}; {status.ExitReason})");

    /// <summary>Reads, then moves the pool's clock on a second (and a moment of real time), until what it read is as asked; at most a minute of real time.</summary>
    private static async Task<T> WhileAdvancing<T>(TestPool pool, Func<Task<T>> read, Func<T, bool> condition, Func<T, string> describe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var seen = await read();
            if (condition(seen))
            {
                return seen;
            }

            Assert.True(DateTime.UtcNow < deadline, describe(seen));
            pool.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }
    }

    /// <summary>Moves the pool's clock on by <paramref name="by"/> exactly, a second at most at a time.</summary>
    private static async Task Advance(TestPool pool, TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(1))
        {
            pool.Advance(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }
    }
}
