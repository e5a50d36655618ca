using Orion.Client;
using Orion.Contracts;
using Orion.Tests.Cluster;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Deployments;

/// <summary>A deployment's strategy: how far its rollouts surge and how many fewer may serve, and how many replicas drains move at once.</summary>
public sealed class DeploymentStrategyTests
{
    /// <summary>A replica that fills a card's memory, so no two share one; runs until it is stopped.</summary>
    private static TaskSpec Whole(double gpuMsPerItem = 1_000) =>
        Specs.Batch(computePercent: 50, gpuMemoryMiB: 50_000, items: 1_000_000, gpuMsPerItem: gpuMsPerItem, name: "web", tenant: "shop");

    private static TaskSpec Small() => Specs.Batch(computePercent: 20, gpuMemoryMiB: 1024, items: 1_000_000, gpuMsPerItem: 1_000, name: "web", tenant: "shop");

    [Fact]
    public async Task With_no_surge_a_rollout_goes_through_on_a_pool_with_no_card_to_spare_where_the_default_waits()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.Client.DeployAsync("web", Whole(), 2);
        await DeploymentTests.ReadyWhere(pool, "web", d => d.Ready == 2);

        // The default surges one new replica beside the two old: it finds no card and waits; the old ones stay.
        await pool.Client.DeployAsync("web", Whole(gpuMsPerItem: 500), 2);
        var stuck = await DeploymentTests.ReadyWhere(pool, "web", d => d.Tasks.Length == 3);
        for (var i = 0; i < 5; i++)
        {
            pool.Advance(DeploymentTests.Look);
            await Task.Delay(50);
        }

        stuck = (await pool.Client.GetDeploymentAsync("web"))!;
        Assert.Equal((3, 0, "web.3"), (stuck.Tasks.Length, stuck.Ready, stuck.Tasks.Single(t => t.Revision == 2).TaskId));
        Assert.Equal(TaskState.Pending, await pool.StateOf("web.3"));
        Assert.Equal([TaskState.Running, TaskState.Running], [await pool.StateOf("web.1"), await pool.StateOf("web.2")]);

        // No surge, one may be missing: an old one makes the room for each new one, and it goes through.
        var strategy = new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = 1 };
        Assert.Equal(strategy, (await pool.Client.DeployAsync("web", Whole(gpuMsPerItem: 500), 2, strategy: strategy)).Strategy);
        var looks = 0;
        DeploymentStatus now;
        do
        {
            pool.Advance(DeploymentTests.Look);
            await Task.Delay(50);
            now = (await pool.Client.GetDeploymentAsync("web"))!;
            var live = await Task.WhenAll(now.Tasks.Select(t => pool.Client.GetAsync(t.TaskId)));
            Assert.True(live.Count(s => s!.State == TaskState.Running) >= 1, string.Join(", ", live.Select(s => $"{s!.TaskId} {s.State}")));
            Assert.True(++looks < 200, "the rollout did not finish");
        }
        while (now.Rolling || now.Ready < 2);

        Assert.Equal(["web.3", "web.4"], now.Tasks.Select(t => t.TaskId));
        Assert.Equal(TaskState.Cancelled, (await pool.Client.GetAsync("web.1"))!.State);
        await pool.AssertConsistentAsync(["web.1", "web.2", "web.3", "web.4"]);
    }

    [Fact]
    public async Task A_disruption_budget_of_half_of_three_lets_a_drain_move_two_replicas_at_once_and_no_third()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.Client.CordonAsync("dc1/n1", "kept free");
        await pool.Client.DeployAsync("web", Small(), 3, strategy: new DeploymentStrategy { DisruptionBudget = ReplicaCount.Share(50) });
        await DeploymentTests.ReadyWhere(pool, "web", d => d.Ready == 3);

        var first = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        Assert.Equal(2, first.Evicted.Length);
        var stayed = Assert.Single(first.Left);
        // Each moved one is named, as moving or (its move already showing) not serving.
        Assert.StartsWith("deployment web moves at most 2 of its replicas at a time (", first.Why![stayed], StringComparison.Ordinal);
        Assert.All(first.Evicted, m => Assert.Contains(m, first.Why![stayed], StringComparison.Ordinal));

        // Their turns passed, the two still serve nowhere: the third still waits for them.
        pool.Advance(TimeSpan.FromSeconds(5));
        var second = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        Assert.Empty(second.Evicted);
        Assert.EndsWith("not serving)", second.Why![stayed], StringComparison.Ordinal);
        Assert.Equal(TaskState.Running, await pool.StateOf(stayed));

        // One serves elsewhere: the third may go, the other moved one counting against the budget.
        await pool.Client.UncordonAsync("dc1/n1");
        await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Running, await pool.StateOf(first.Evicted[0])));
        await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Running, await pool.StateOf(first.Evicted[1])));
        var third = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        Assert.Equal([stayed], third.Evicted.ToArray());
        await pool.WaitForAsync(stayed, TaskState.Running);
        await pool.AssertConsistentAsync(["web.1", "web.2", "web.3"]);
    }

    /// <summary>Has the deployment look (the clock standing still) until <paramref name="condition"/> holds of what it saw.</summary>
    private static async Task<DeploymentStatus> LookUntil(TestPool pool, Func<DeploymentStatus, bool> condition)
    {
        DeploymentStatus? seen = null;
        await pool.EventuallyAsync(async () =>
        {
            await pool.Grains.GetGrain<IDeploymentGrain>("web").OnCheckTick();
            seen = (await pool.Client.GetDeploymentAsync("web"))!;
            Assert.True(condition(seen), string.Join(", ", seen.Tasks));
        });
        return seen!;
    }

    [Fact]
    public async Task A_rollout_cancels_an_old_replica_only_once_its_successor_has_run_its_min_ready()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var strategy = new DeploymentStrategy { MinReady = TimeSpan.FromMinutes(2) };
        await pool.Client.DeployAsync("web", Small(), 1, strategy: strategy);
        var warming = await LookUntil(pool, d => d.Tasks is [{ State: TaskState.Running }]);
        Assert.Equal((true, 0), (warming.Tasks[0].Warming, warming.Ready));

        pool.Advance(TimeSpan.FromMinutes(2));
        await LookUntil(pool, d => d.Ready == 1);

        // The new revision's replica runs but warms up: the old one serves on, look after look.
        await pool.Client.DeployAsync("web", Small() with { Name = "web-2" }, 1, strategy: strategy);
        var rolling = await LookUntil(pool, d => d.Tasks.Any(t => t is { TaskId: "web.2", State: TaskState.Running }));
        Assert.True(rolling.Tasks.Single(t => t.TaskId == "web.2").Warming);
        pool.Advance(TimeSpan.FromSeconds(119));
        await LookUntil(pool, d => d.CheckedAt == pool.Clock.GetUtcNow());
        Assert.Equal(TaskState.Running, await pool.StateOf("web.1"));

        // Two minutes on, it serves: the old one goes.
        pool.Advance(TimeSpan.FromSeconds(1));
        var rolled = await LookUntil(pool, d => !d.Rolling);
        Assert.Equal((1, "web.2"), (rolled.Ready, rolled.Tasks.Single().TaskId));
        Assert.Contains("replaced it with revision 2", (await pool.Client.GetAsync("web.1"))!.ExitReason);
    }

    [Fact]
    public async Task A_drain_moves_the_next_replica_only_once_the_moved_one_has_run_its_min_ready()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.Client.CordonAsync("dc1/n1", "kept free");
        await pool.Client.DeployAsync("web", Small(), 2, strategy: new DeploymentStrategy { MinReady = TimeSpan.FromMinutes(2) });
        await LookUntil(pool, d => d.Tasks.All(t => t.State == TaskState.Running));
        pool.Advance(TimeSpan.FromMinutes(2));
        await pool.Client.UncordonAsync("dc1/n1");

        var first = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        var moved = Assert.Single(first.Evicted);
        var stayed = Assert.Single(first.Left);
        await pool.WaitForAsync(moved, TaskState.Running);

        // Its turn passed and it runs on n1, but has not yet run two minutes: the other stays.
        pool.Advance(TimeSpan.FromSeconds(5));
        var second = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        Assert.Equal($"deployment web moves its replicas one at a time ({moved} not serving)", second.Why![stayed]);

        pool.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal([stayed], (await pool.Client.DrainAsync("dc1/n0", "psu swap")).Evicted.ToArray());
    }

    [Fact]
    public async Task Waiting_for_a_rollout_reports_its_progress_and_returns_once_done_or_fails_naming_why_a_replica_waits()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.Client.DeployAsync("web", Whole(), 2);
        var seen = new List<string>();
        var progress = new Said(p => seen.Add(p.Text));
        var first = pool.Client.WaitForRolloutAsync("web", TimeSpan.FromMinutes(10), progress);
        await pool.EventuallyAsync(() =>
        {
            pool.Advance(TimeSpan.FromSeconds(1));
            Assert.True(first.IsCompleted);
            return Task.CompletedTask;
        });
        Assert.Equal(2, (await first).Ready);
        Assert.Equal("revision 1 rolled out: 2 of 2 ready", seen[^1]);
        Assert.Equal(seen.Count, seen.Distinct().Count());

        // The default's surge finds no card: the wait runs out, naming why the new replica waits; nothing is undone.
        await pool.Client.DeployAsync("web", Whole(gpuMsPerItem: 500), 2);
        var stuck = pool.Client.WaitForRolloutAsync("web", TimeSpan.FromMinutes(1));
        await pool.EventuallyAsync(() =>
        {
            pool.Advance(TimeSpan.FromSeconds(5));
            Assert.True(stuck.IsCompleted);
            return Task.CompletedTask;
        });
        var failed = await Assert.ThrowsAsync<RolloutFailedException>(() => stuck);
        Assert.StartsWith("deployment web: not rolled out after 1m; web.3 waits: ", failed.Message, StringComparison.Ordinal);
        Assert.EndsWith("(revision 2: 0 of 2 new replicas ready, 1 not yet, 2 old live)", failed.Message, StringComparison.Ordinal);
        Assert.Equal(TaskState.Pending, await pool.StateOf("web.3"));

        // Paused, it fails at once: no wait would end it.
        await pool.Client.PauseRolloutAsync("web");
        var paused = await Assert.ThrowsAsync<RolloutFailedException>(() => pool.Client.WaitForRolloutAsync("web", TimeSpan.FromMinutes(1)).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("deployment web: rollout paused at revision 2", paused.Message, StringComparison.Ordinal);

        var none = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.WaitForRolloutAsync("nope", TimeSpan.FromMinutes(1)));
        Assert.Equal("no deployment nope", none.Message);
    }

    private sealed class Said(Action<RolloutProgress> report) : IProgress<RolloutProgress>
    {
        public void Report(RolloutProgress value) => report(value);
    }

    /// <summary>A replica that completes after 100 ms of GPU time: a crash loop, as far as a deployment can tell.</summary>
    private static TaskSpec Crashing() => Specs.Batch(computePercent: 20, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 100, name: "web", tenant: "shop");

    private static async Task<string[]> Rollouts(TestPool pool) =>
        [.. (await pool.Client.GetEventsAsync(max: 500)).Where(e => e.Kind == PoolEventKinds.Rollout && e.TaskId == "web").Select(e => e.Detail)];

    [Fact]
    public async Task A_rollout_whose_replicas_keep_failing_rolls_back_by_itself_to_the_last_revision_rolled_out()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var strategy = new DeploymentStrategy { RollBackOnFailure = true, MinReady = TimeSpan.FromSeconds(30) };
        await pool.Client.DeployAsync("web", Small(), 2, strategy: strategy);
        await DeploymentTests.ReadyWhere(pool, "web", d => d.RolledOut);

        await pool.Client.DeployAsync("web", Crashing(), 2, strategy: strategy);
        var back = await DeploymentTests.ReadyWhere(pool, "web", d => d.Revision == 3 && d.RolledOut);
        Assert.Equal(1_000_000, back.Template.Workload.Count);
        Assert.Equal(0, back.FailuresInRow);
        var said = await Rollouts(pool);
        Assert.Equal("web rolls out revision 2", said[0]);
        Assert.StartsWith("web rolled back to revision 1's spec as revision 3: revision 2's replicas failed 3 in a row (last: web.", said[1], StringComparison.Ordinal);
        Assert.Matches(@"^web rolled out revision 3 in \S+: 2 ready$", said[2]);
        Assert.Equal(3, said.Length);
        await pool.AssertConsistentAsync([.. back.Tasks.Select(t => t.TaskId)]);
    }

    [Fact]
    public async Task Without_roll_back_on_failure_a_failing_rollout_is_told_once_and_stays()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var strategy = new DeploymentStrategy { MinReady = TimeSpan.FromSeconds(30) };
        await pool.Client.DeployAsync("web", Small(), 2, strategy: strategy);
        await DeploymentTests.ReadyWhere(pool, "web", d => d.RolledOut);

        await pool.Client.DeployAsync("web", Crashing(), 2, strategy: strategy);
        var failing = await DeploymentTests.ReadyWhere(pool, "web", d => d.FailuresInRow >= DeploymentRules.RolloutFailures + 1);
        Assert.Equal(2, failing.Revision);
        var said = await Rollouts(pool);
        Assert.Equal(2, said.Length);
        Assert.StartsWith("web's rollout of revision 2 is failing: its replicas failed 3 in a row (last: web.", said[1], StringComparison.Ordinal);

        // Waiting on it fails at once, saying so.
        var wait = await Assert.ThrowsAsync<RolloutFailedException>(() => pool.Client.WaitForRolloutAsync("web", TimeSpan.FromMinutes(1)).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("deployment web: revision 2's replicas keep failing (", wait.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_strategy_is_kept_through_scale_and_roll_back_and_a_deploy_without_one_goes_back_to_the_default()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var strategy = new DeploymentStrategy { MaxSurge = 2, MaxUnavailable = ReplicaCount.Share(50), DisruptionBudget = 3 };
        await pool.Client.DeployAsync("web", Small(), 1, strategy: strategy);
        await pool.Client.DeployAsync("web", Small() with { Name = "web-2" }, 1, strategy: strategy);
        Assert.Equal(strategy, (await pool.Client.ScaleAsync("web", 2)).Strategy);
        Assert.Equal(strategy, (await pool.Client.RollBackAsync("web")).Strategy);
        Assert.Equal("surge 2, unavailable 50%; drains move 3 at a time", Orion.Client.Monitoring.DeploymentSummary.Of((await pool.Client.GetDeploymentAsync("web"))!).Strategy);

        Assert.Equal(DeploymentStrategy.Default, (await pool.Client.DeployAsync("web", Small(), 2)).Strategy);
    }

    [Fact]
    public async Task A_bad_strategy_is_refused_naming_each_field_and_changes_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var bad = await Assert.ThrowsAsync<SpecValidationException>(() =>
            pool.Client.DeployAsync("web", Small(), 1, strategy: new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = ReplicaCount.Share(0), DisruptionBudget = 0 }));
        Assert.Equal(
            ["strategy.maxUnavailable: must be above 0 when strategy.maxSurge is 0: a rollout could neither add a replica nor take one away",
                "strategy.disruptionBudget: must be 1 to 1000, or 1% to 100% (0 would hold every drain of its nodes until forced)"],
            bad.Errors.Select(e => $"{e.Field}: {e.Rule}"));

        // The grain checks too (a client of another build), before anything is kept.
        var grain = pool.Grains.GetGrain<IDeploymentGrain>("web");
        var refused = await grain.Apply(Small(), 1, strategy: new DeploymentStrategy { MaxSurge = -1, MaxUnavailable = ReplicaCount.Share(101) });
        Assert.Equal(["strategy.maxSurge", "strategy.maxUnavailable"], refused.Errors.Select(e => e.Field));
        var tooLong = await grain.Apply(Small(), 1, strategy: new DeploymentStrategy { MinReady = TimeSpan.FromDays(1.5) });
        Assert.Equal("strategy.minReady must be 0 to 1 day", Assert.Single(tooLong.Errors).ToString());
        foreach (var deadline in new[] { TimeSpan.FromSeconds(59), TimeSpan.FromDays(1.5), TimeSpan.FromMinutes(-1), TimeSpan.FromMinutes(3) })
        {
            var early = await grain.Apply(Small(), 1, strategy: new DeploymentStrategy { ProgressDeadline = deadline, MinReady = TimeSpan.FromMinutes(3) });
            Assert.Equal("strategy.progressDeadline must be 0 (none) or 1 minute to 1 day, and above strategy.minReady", Assert.Single(early.Errors).ToString());
        }

        var blind = await grain.Apply(Small(), 1, strategy: new DeploymentStrategy { RollBackOnFailure = true });
        Assert.StartsWith("strategy.minReady must be above 0 with strategy.rollBackOnFailure", Assert.Single(blind.Errors).ToString(), StringComparison.Ordinal);
        Assert.Null(await grain.GetStatus());

        await pool.Client.DeployAsync("web", Small(), 1, strategy: new DeploymentStrategy { MaxSurge = 3 });
        Assert.False((await grain.Apply(Small(), 1, strategy: new DeploymentStrategy { DisruptionBudget = ReplicaCount.Share(0) })).Accepted);
        Assert.Equal(new DeploymentStrategy { MaxSurge = 3 }, (await pool.Client.GetDeploymentAsync("web"))!.Strategy);
    }
}
