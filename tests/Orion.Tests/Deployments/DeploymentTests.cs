using Orion.Client.Monitoring;
using System.Collections.Immutable;
using Orion.Client;
using Orion.Contracts;
using Orion.Tests.Cluster;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Deployments;

/// <summary>Deployments through the SDK on an in-process pool: replicas kept live, replaced, scaled, rolled out and deleted.</summary>
public sealed class DeploymentTests
{
    internal static readonly TimeSpan Look = new Orion.Grains.PoolOptions().DeploymentCheckInterval;

    /// <summary>A replica that runs until it is stopped.</summary>
    private static TaskSpec Replica(double computePercent = 30, double gpuMsPerItem = 1_000) =>
        Specs.Batch(computePercent: computePercent, gpuMemoryMiB: 1024, items: 1_000_000, gpuMsPerItem: gpuMsPerItem, name: "web", tenant: "shop");

    /// <summary>Moves the pool's clock a look at a time until <paramref name="done"/> holds.</summary>
    internal static Task LookingUntil(TestPool pool, Func<Task> done) =>
        pool.EventuallyAsync(async () =>
        {
            pool.Advance(Look);
            await done();
        });

    private static async Task<DeploymentStatus> Ready(TestPool pool, string name, int count, int? revision = null) =>
        await ReadyWhere(pool, name, d => d.Ready == count && d.Tasks.Length == count && (revision is null || d.Revision == revision));

    /// <summary>Has the deployment look at its replicas now (the clock standing still) and returns what that look left.</summary>
    private static async Task<DeploymentStatus> LookNow(TestPool pool, string name)
    {
        await pool.Grains.GetGrain<IDeploymentGrain>(name).OnCheckTick();
        DeploymentStatus? seen = null;
        await pool.EventuallyAsync(async () =>
        {
            seen = (await pool.Client.GetDeploymentAsync(name))!;
            Assert.Equal(pool.Clock.GetUtcNow(), seen.CheckedAt);
        });
        return seen!;
    }

    internal static async Task<DeploymentStatus> ReadyWhere(TestPool pool, string name, Func<DeploymentStatus, bool> condition)
    {
        DeploymentStatus? seen = null;
        await LookingUntil(pool, async () =>
        {
            seen = (await pool.Client.GetDeploymentAsync(name))!;
            Assert.True(condition(seen), $"{seen.Ready} ready of {seen.Tasks.Length} live, revision {seen.Revision}: {string.Join(", ", seen.Tasks)}");
        });
        return seen!;
    }

    [Fact]
    public async Task A_deployment_runs_its_replicas_on_different_nodes_and_replaces_one_that_ends()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1), Node("n2", gpus: 1)]);
        var created = await pool.Client.DeployAsync("web", Replica(), 3);
        Assert.Equal(1, created.Revision);
        Assert.Equal(["web.1", "web.2", "web.3"], created.Tasks.Select(t => t.TaskId));

        var ready = await Ready(pool, "web", 3);
        Assert.Equal(3, ready.Tasks.Select(t => t.NodeId).Distinct().Count());
        var replica = (await pool.Client.GetAsync("web.2"))!;
        Assert.Equal("web", replica.Spec.Labels![DeploymentRules.DeploymentLabel]);
        Assert.Equal("1", replica.Spec.Labels![DeploymentRules.RevisionLabel]);
        Assert.Equal(3, (await pool.Client.ListAsync(new TaskQuery(Labels: new Dictionary<string, string> { [DeploymentRules.DeploymentLabel] = "web" }.ToImmutableDictionary()))).Count);

        // Someone cancels a replica: the next look replaces it at once (a cancel is no failure of the template).
        await pool.Client.CancelAsync("web.2");
        var healed = await ReadyWhere(pool, "web", d => d.Ready == 3 && d.Tasks.Any(t => t.TaskId == "web.4"));
        Assert.Equal(["web.1", "web.3", "web.4"], healed.Tasks.Select(t => t.TaskId));
        Assert.Equal(0, healed.FailuresInRow);
        Assert.Null(healed.ReplaceAfter);
        var events = await pool.Client.GetEventsAsync(max: 500);
        Assert.Contains(events, e => e.Kind == PoolEventKinds.ReplicaEnded && e.TaskId == "web.2");
        Assert.Contains(events, e => e.Kind == PoolEventKinds.ReplicaAdded && e.TaskId == "web.4");
        await pool.AssertConsistentAsync(["web.1", "web.2", "web.3", "web.4"]);
    }

    [Fact]
    public async Task A_replica_that_ends_is_replaced_at_once_without_waiting_for_the_next_look()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.DeployAsync("web", Replica(), 1);
        await Ready(pool, "web", 1);

        // The clock stands still: no look is due, yet the replica that failed is replaced.
        await pool.Client.CancelAsync("web.1");
        await pool.EventuallyAsync(async () => Assert.Equal(["web.2"], (await pool.Client.GetDeploymentAsync("web"))!.Tasks.Select(t => t.TaskId)));
        Assert.Equal(TaskState.Running, (await pool.WaitForAsync("web.2", TaskState.Running)).State);
    }

    [Fact]
    public async Task Scaling_up_submits_more_and_scaling_down_cancels_the_newest()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        await pool.Client.DeployAsync("web", Replica(), 2);
        await Ready(pool, "web", 2);

        var up = await pool.Client.ScaleAsync("web", 5);
        Assert.Equal(5, up.Replicas);
        Assert.Equal(5, up.Tasks.Length);
        await Ready(pool, "web", 5);

        var down = await pool.Client.ScaleAsync("web", 2);
        Assert.Equal(["web.1", "web.2"], down.Tasks.Select(t => t.TaskId));
        foreach (var gone in new[] { "web.3", "web.4", "web.5" })
        {
            var status = (await pool.Client.GetAsync(gone))!;
            Assert.Equal(TaskState.Cancelled, status.State);
            Assert.Contains("scaled down to 2", status.ExitReason);
        }

        // Scaled to none, it stays, with no replica; its revision and serials go on.
        var none = await pool.Client.ScaleAsync("web", 0);
        Assert.Empty(none.Tasks);
        Assert.Equal(1, none.Revision);
        Assert.Equal(["web.6"], (await pool.Client.ScaleAsync("web", 1)).Tasks.Select(t => t.TaskId));
        await pool.WaitForAsync("web.6", TaskState.Running);
        await pool.AssertConsistentAsync([.. Enumerable.Range(1, 6).Select(i => $"web.{i}")]);
    }

    [Fact]
    public async Task A_new_template_is_rolled_out_one_replica_at_a_time_with_as_many_serving_throughout()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.Client.DeployAsync("web", Replica(computePercent: 40), 2);
        await Ready(pool, "web", 2);

        // The same template again changes nothing; a new one is revision 2.
        Assert.Equal(1, (await pool.Client.DeployAsync("web", Replica(computePercent: 40), 2)).Revision);
        var rolling = await pool.Client.DeployAsync("web", Replica(computePercent: 40, gpuMsPerItem: 500), 2);
        Assert.Equal(2, rolling.Revision);
        Assert.True(rolling.Rolling);
        Assert.Equal(3, rolling.Tasks.Length);

        // Look by look until every replica is of revision 2: two serve at every look, and never more than three are live.
        var looks = 0;
        DeploymentStatus now;
        do
        {
            pool.Advance(Look);
            await Task.Delay(50);
            now = (await pool.Client.GetDeploymentAsync("web"))!;
            var live = await Task.WhenAll(now.Tasks.Select(t => pool.Client.GetAsync(t.TaskId)));
            Assert.True(live.Count(s => s!.State == TaskState.Running) >= 2, string.Join(", ", live.Select(s => $"{s!.TaskId} {s.State}")));
            Assert.True(now.Tasks.Length <= 3);
            Assert.True(++looks < 200, "the rollout did not finish");
        }
        while (now.Rolling || now.Ready < 2);

        Assert.Equal(["web.3", "web.4"], now.Tasks.Select(t => t.TaskId));
        foreach (var old in new[] { "web.1", "web.2" })
        {
            var status = (await pool.Client.GetAsync(old))!;
            Assert.Equal(TaskState.Cancelled, status.State);
            Assert.Contains("replaced it with revision 2", status.ExitReason);
        }

        Assert.Equal(500, (await pool.Client.GetAsync("web.4"))!.Spec.Workload.GpuMsPerUnit);
        await pool.AssertConsistentAsync(["web.1", "web.2", "web.3", "web.4"]);
    }

    [Fact]
    public async Task A_roll_back_rolls_the_spec_before_out_again_as_a_new_revision()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.Client.DeployAsync("web", Replica(computePercent: 40), 1);
        var none = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.RollBackAsync("web"));
        Assert.Equal("revision", Assert.Single(none.Errors).Field);
        await Ready(pool, "web", 1);

        await pool.Client.DeployAsync("web", Replica(computePercent: 40, gpuMsPerItem: 500), 1);
        await Ready(pool, "web", 1, revision: 2);
        var back = await pool.Client.RollBackAsync("web");
        Assert.Equal(3, back.Revision);
        Assert.Equal(1_000, back.Template.Workload.GpuMsPerUnit);
        var rolled = await Ready(pool, "web", 1, revision: 3);
        Assert.Equal(1_000, (await pool.Client.GetAsync(rolled.Tasks[0].TaskId))!.Spec.Workload.GpuMsPerUnit);

        // Twice: where it began, the spec of revision 2.
        Assert.Equal(500, (await pool.Client.RollBackAsync("web")).Template.Workload.GpuMsPerUnit);
        var unknown = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.RollBackAsync("nope"));
        Assert.Equal("name", Assert.Single(unknown.Errors).Field);
    }

    [Fact]
    public async Task A_paused_rollout_holds_until_resumed_and_a_canary_can_be_held_beside_the_old_replicas()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        await pool.Client.DeployAsync("web", Replica(gpuMsPerItem: 100), 2);
        await Ready(pool, "web", 2);
        var paused = await pool.Client.PauseRolloutAsync("web");
        Assert.True(paused.Paused);

        // A new spec while paused waits: revision 2, its replicas all of revision 1, look after look.
        await pool.Client.DeployAsync("web", Replica(gpuMsPerItem: 200), 2);
        var waiting = await LookNow(pool, "web");
        pool.Advance(Look * 3);
        waiting = await LookNow(pool, "web");
        Assert.Equal(2, waiting.Revision);
        Assert.Equal([1, 1], waiting.Tasks.Select(t => t.Revision));
        Assert.Equal("rollout paused: 0 of 2 on revision 2", DeploymentSummary.StateOf(waiting));

        // Resumed: one new replica beside the old ones; paused again once it runs, the canary and the old ones hold.
        await pool.Client.ResumeRolloutAsync("web");
        var canary = await ReadyWhere(pool, "web", d => d.Tasks.Count(t => t.Revision == 2 && t.Ready) == 1);
        await pool.Client.PauseRolloutAsync("web");
        pool.Advance(Look * 3);
        var held = await LookNow(pool, "web");
        Assert.Equal(canary.Tasks.Select(t => t.TaskId).Order(), held.Tasks.Select(t => t.TaskId).Order());
        Assert.Contains(held.Tasks, t => t.Revision == 1);

        // Resumed again: the rollout completes.
        Assert.False((await pool.Client.ResumeRolloutAsync("web")).Paused);
        await ReadyWhere(pool, "web", d => d.Tasks.Length == 2 && d.Tasks.All(t => t.Revision == 2 && t.Ready));
        var unknown = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.PauseRolloutAsync("nope"));
        Assert.Equal("name", Assert.Single(unknown.Errors).Field);
    }

    [Fact]
    public async Task A_roll_back_goes_to_any_revision_kept_and_the_revisions_are_listed()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        foreach (var ms in new[] { 100.0, 200, 300 })
        {
            await pool.Client.DeployAsync("web", Replica(computePercent: 40, gpuMsPerItem: ms), 1);
        }

        var three = (await pool.Client.GetDeploymentAsync("web"))!;
        Assert.Equal([(1, 100.0), (2, 200.0), (3, 300.0)], three.Revisions.Select(r => (r.Revision, r.Template.Workload.GpuMsPerUnit)));

        var back = await pool.Client.RollBackAsync("web", toRevision: 1);
        Assert.Equal(4, back.Revision);
        Assert.Equal(100, back.Template.Workload.GpuMsPerUnit);
        Assert.Equal([1, 2, 3, 4], back.Revisions.Select(r => r.Revision));
        var rolled = await Ready(pool, "web", 1, revision: 4);
        Assert.Equal(100, (await pool.Client.GetAsync(rolled.Tasks[0].TaskId))!.Spec.Workload.GpuMsPerUnit);

        // The current one, or one it never had, is refused; nothing changes.
        var current = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.RollBackAsync("web", toRevision: 4));
        Assert.Equal("toRevision", Assert.Single(current.Errors).Field);
        Assert.Equal(4, (await pool.Client.GetDeploymentAsync("web"))!.Revision);
    }

    [Fact]
    public async Task Replicas_that_keep_ending_soon_are_replaced_after_a_doubling_backoff()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);

        // Each replica completes after 100 ms of GPU time: a crash loop, as far as a deployment can tell.
        await pool.Client.DeployAsync("flaky", Specs.Batch(computePercent: 50, items: 1, gpuMsPerItem: 100, name: "flaky"), 1);

        // Running first: the pool's clock moved before its daemon started it would leave its 100 ms unspent (a busy machine).
        await pool.WaitForAsync("flaky.1", TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("flaky.1", TaskState.Completed);

        var first = await ReadyWhere(pool, "flaky", d => d.FailuresInRow == 1);
        Assert.Empty(first.Tasks);
        Assert.Contains("flaky.1 Completed", first.LastFailure);
        Assert.Equal(TimeSpan.FromSeconds(10), first.ReplaceAfter - (await pool.Client.GetAsync("flaky.1"))!.EndedAt);

        // A look a second before the backoff ends submits nothing; then the next replica, which ends as soon, and the wait doubles.
        pool.Advance(first.ReplaceAfter!.Value - pool.Clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Empty((await LookNow(pool, "flaky")).Tasks);
        Assert.Null(await pool.Client.GetAsync("flaky.2"));
        var second = await ReadyWhere(pool, "flaky", d => d.FailuresInRow == 2);
        Assert.Equal(TimeSpan.FromSeconds(20), second.ReplaceAfter - (await pool.Client.GetAsync("flaky.2"))!.EndedAt);

        // A new template starts afresh.
        var fixedOne = await pool.Client.DeployAsync("flaky", Specs.Batch(computePercent: 50, items: 1_000_000, gpuMsPerItem: 1_000, name: "flaky"), 1);
        Assert.Equal(0, fixedOne.FailuresInRow);
        Assert.Null(fixedOne.ReplaceAfter);
        Assert.Single(fixedOne.Tasks);
    }

    [Fact]
    public async Task Deleting_a_deployment_cancels_its_replicas_and_frees_its_name()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.DeployAsync("web", Replica(), 2);
        await pool.Client.DeployAsync("api", Replica(), 1);
        await Ready(pool, "web", 2);
        Assert.Equal(["api", "web"], (await pool.Client.ListDeploymentsAsync()).Select(d => d.Name));

        var deleted = (await pool.Client.DeleteDeploymentAsync("web", "moved to the new cluster"))!;
        Assert.Equal(2, deleted.Tasks.Length);
        Assert.All(await Task.WhenAll(deleted.Tasks.Select(t => pool.Client.GetAsync(t.TaskId))), s =>
        {
            Assert.Equal(TaskState.Cancelled, s!.State);
            Assert.Contains("deployment web deleted: moved to the new cluster", s.ExitReason);
        });
        Assert.Null(await pool.Client.GetDeploymentAsync("web"));
        Assert.Null(await pool.Client.DeleteDeploymentAsync("web"));
        Assert.Equal(["api"], (await pool.Client.ListDeploymentsAsync()).Select(d => d.Name));

        // Nothing is replaced once deleted: a look (its tick, a replica's end) sent after the delete is taken before the
        // read that follows it, and submits nothing. A new deployment of the name starts at revision 1 with ids that are free.
        var grain = pool.Grains.GetGrain<IDeploymentGrain>("web");
        pool.Advance(Look * 3);
        await grain.OnReplicaEnded(deleted.Tasks[0].TaskId);
        await grain.OnCheckTick();
        Assert.Null(await grain.GetStatus());
        Assert.Null(await pool.Client.GetAsync("web.3"));
        var again = await pool.Client.DeployAsync("web", Replica(), 1);
        Assert.Equal(1, again.Revision);
        Assert.Equal(["web.3"], again.Tasks.Select(t => t.TaskId));
    }

    [Fact]
    public async Task A_delete_that_cannot_cancel_a_replica_now_keeps_the_deployment_with_none_and_is_repeated()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults);
        await pool.Client.DeployAsync("web", Replica(), 1);
        await Ready(pool, "web", 1);

        faults.Fail("IVGpuTaskGrain.Cancel");
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.DeleteDeploymentAsync("web"));
        Assert.Contains("web.1 could not be cancelled now", refused.Message);

        // Still there, asking for none: the replica runs on and nothing is submitted beside it.
        pool.Advance(Look * 3);
        var kept = await LookNow(pool, "web");
        Assert.Equal(0, kept.Replicas);
        Assert.Equal(["web.1"], kept.Tasks.Select(t => t.TaskId));
        Assert.Null(await pool.Client.GetAsync("web.2"));

        faults.Heal("IVGpuTaskGrain.Cancel");
        Assert.NotNull(await pool.Client.DeleteDeploymentAsync("web"));
        Assert.Equal(TaskState.Cancelled, await pool.StateOf("web.1"));
        Assert.Null(await pool.Client.GetDeploymentAsync("web"));
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_changes_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var bad = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.DeployAsync("-web", Replica() with { Gang = new GangSpec("g", 2), IdleTimeout = TimeSpan.FromHours(1) }, -1));
        Assert.Contains(bad.Errors, e => e.Field == "name" && e.Rule == DeploymentRules.NameRule);
        Assert.Contains(bad.Errors, e => e.Field == "replicas" && e.Rule == "must be 0 to 1000");
        Assert.Contains(bad.Errors, e => e.Field == "template.gang");
        Assert.Contains(bad.Errors, e => e.Field == "template.idleTimeout" && e.Rule.StartsWith("must be null: a deployment replaces a replica that ends", StringComparison.Ordinal));

        // The grain checks too (a client of another build), and a deployment keeps its tenant.
        var grain = pool.Grains.GetGrain<IDeploymentGrain>("web");
        var refused = await grain.Apply(Replica() with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true }, Labels = new Dictionary<string, string> { ["orion/x"] = "1" }.ToImmutableDictionary() }, 1);
        Assert.False(refused.Accepted);
        Assert.Equal(["template.constraints.failIfUnplaceable", "template.labels[orion/x]"], refused.Errors.Select(e => e.Field));
        Assert.Null(await grain.GetStatus());

        await pool.Client.DeployAsync("web", Replica(), 1);
        var otherTenant = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.DeployAsync("web", Replica() with { Tenant = "bank" }, 1));
        Assert.Equal("template.tenant", Assert.Single(otherTenant.Errors).Field);
        var scaleUnknown = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.ScaleAsync("nope", 2));
        Assert.Equal("name", Assert.Single(scaleUnknown.Errors).Field);
        var status = (await pool.Client.GetDeploymentAsync("web"))!;
        Assert.Equal("shop", status.Template.Tenant);
        Assert.Equal(1, status.Revision);
        Assert.Single(status.Tasks);
    }

    [Fact]
    public async Task A_deployment_comes_back_from_storage_after_its_grain_deactivates_and_goes_on()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.DeployAsync("web", Replica(), 2);
        await Ready(pool, "web", 2);

        await pool.Grains.GetGrain<IDeploymentGrain>("web").Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await pool.Client.CancelAsync("web.1");
        var back = await ReadyWhere(pool, "web", d => d.Ready == 2 && d.Tasks.Any(t => t.TaskId == "web.3"));
        Assert.Equal(["web.2", "web.3"], back.Tasks.Select(t => t.TaskId));
        Assert.Equal(1, back.Revision);
    }

    [Fact]
    public async Task A_replica_id_taken_by_another_task_is_skipped()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.SubmitAsync(Specs.Batch(items: 1_000_000, gpuMsPerItem: 1_000), "web.1");
        var created = await pool.Client.DeployAsync("web", Replica(), 1);
        Assert.Equal(["web.2"], created.Tasks.Select(t => t.TaskId));
        Assert.Equal(TaskState.Running, await pool.StateOf("web.1"));
    }
}
