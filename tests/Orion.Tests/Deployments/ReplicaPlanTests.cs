using Orion.Contracts;
using Orion.Grains.Deployments;

namespace Orion.Tests.Deployments;

public sealed class ReplicaPlanTests
{
    private static DeploymentReplica R(string id, int revision, TaskState state = TaskState.Running) => new(id, revision, state);

    [Fact]
    public void A_new_deployment_submits_every_replica_at_once()
    {
        var d = ReplicaPlan.Decide(3, 1, []);
        Assert.Equal(3, d.Submit);
        Assert.Empty(d.ScaledDown);
        Assert.Empty(d.Replaced);
    }

    [Fact]
    public void A_deployment_at_its_count_does_nothing_whether_its_replicas_run_or_wait()
    {
        Assert.True(ReplicaPlan.Decide(2, 1, [R("a.1", 1), R("a.2", 1, TaskState.Pending)]).IsEmpty);
    }

    [Fact]
    public void Scaling_down_cancels_those_not_serving_first_then_the_newest()
    {
        var live = new[] { R("a.1", 1), R("a.2", 1, TaskState.Pending), R("a.3", 1), R("a.4", 1, TaskState.Suspended), R("a.5", 1) };
        var d = ReplicaPlan.Decide(2, 1, live);
        Assert.Equal(["a.2", "a.5", "a.4"], d.ScaledDown);
        Assert.Equal(0, d.Submit);

        Assert.Equal(["a.2", "a.5", "a.4", "a.3", "a.1"], ReplicaPlan.Decide(0, 1, live).ScaledDown);
    }

    [Fact]
    public void A_shortfall_is_submitted()
    {
        Assert.Equal(2, ReplicaPlan.Decide(3, 1, [R("a.1", 1, TaskState.Placing)]).Submit);
    }

    [Fact]
    public void A_rolling_update_goes_one_replica_at_a_time_and_serves_as_many_as_asked_throughout()
    {
        // Three old serve: one new is submitted beside them (surge 1), none cancelled.
        var d = ReplicaPlan.Decide(3, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1)]);
        Assert.Equal(1, d.Submit);
        Assert.Empty(d.Replaced);

        // The new one waits: nothing moves.
        Assert.True(ReplicaPlan.Decide(3, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1), R("a.4", 2, TaskState.Pending)]).IsEmpty);

        // It serves: the oldest old one goes and the next new one is submitted.
        d = ReplicaPlan.Decide(3, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1), R("a.4", 2)]);
        Assert.Equal(["a.1"], d.Replaced);
        Assert.Equal(1, d.Submit);

        // All new serve: the last old one goes, nothing more is submitted.
        d = ReplicaPlan.Decide(3, 2, [R("a.3", 1), R("a.4", 2), R("a.5", 2), R("a.6", 2)]);
        Assert.Equal(["a.3"], d.Replaced);
        Assert.Equal(0, d.Submit);
    }

    [Fact]
    public void Old_replicas_that_do_not_serve_are_replaced_at_once()
    {
        // The old one that serves stays until a new one serves; two new ones go beside it (surge 1).
        var d = ReplicaPlan.Decide(2, 2, [R("a.1", 1, TaskState.Pending), R("a.2", 1)]);
        Assert.Equal(["a.1"], d.Replaced);
        Assert.Equal(2, d.Submit);
    }

    [Fact]
    public void A_rollout_scaled_to_zero_cancels_everything()
    {
        var d = ReplicaPlan.Decide(0, 2, [R("a.1", 1), R("a.2", 2, TaskState.Pending)]);
        Assert.Equal(["a.2"], d.ScaledDown);
        Assert.Equal(["a.1"], d.Replaced);
        Assert.Equal(0, d.Submit);
    }

    [Fact]
    public void A_rollout_scaled_up_submits_the_new_count_of_the_new_revision_within_the_surge()
    {
        // One old serves, four asked: the old one covers one slot until a new one serves, so three new ones go now.
        var d = ReplicaPlan.Decide(4, 2, [R("a.1", 1)]);
        Assert.Equal(4, d.Submit);
        Assert.Empty(d.Replaced);
    }

    public static TheoryData<int, int> Strategies() => new() { { 1, 0 }, { 0, 1 }, { 2, 0 }, { 2, 1 }, { 1, 2 }, { 0, 3 } };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Live_replicas_never_pass_the_count_plus_the_surge_nor_serve_fewer_than_the_count_less_the_unavailable(int surge, int unavailable)
    {
        // Every mix of up to 4 old and 4 new replicas, each serving or not, for counts 0 to 4.
        var strategy = new DeploymentStrategy { MaxSurge = surge, MaxUnavailable = unavailable };
        var states = new[] { TaskState.Running, TaskState.Pending };
        for (var desired = 0; desired <= 4; desired++)
        {
            for (var olds = 0; olds <= 4; olds++)
            {
                for (var news = 0; news <= 4; news++)
                {
                    for (var mask = 0; mask < 1 << (olds + news); mask++)
                    {
                        var live = Enumerable.Range(0, olds + news)
                            .Select(i => R($"a.{i + 1}", i < olds ? 1 : 2, states[(mask >> i) & 1]))
                            .ToList();
                        var d = ReplicaPlan.Decide(desired, 2, live, strategy: strategy);
                        var after = live.Count - d.ScaledDown.Length - d.Replaced.Length + d.Submit;
                        var oldLeft = olds - d.Replaced.Length;
                        var newServing = live.Count(r => r.Revision == 2 && r.Ready) - live.Count(r => d.ScaledDown.Contains(r.TaskId) && r.Ready);
                        var servingBefore = live.Count(r => r.Ready);
                        var servingAfter = live.Count(r => r.Ready && !d.ScaledDown.Contains(r.TaskId) && !d.Replaced.Contains(r.TaskId));
                        var what = $"{desired} {olds} {news} {mask}";
                        Assert.True(oldLeft == 0 || after <= Math.Max(desired + surge, live.Count), $"{what}: {after} live");
                        Assert.True(servingAfter >= Math.Min(servingBefore, desired - unavailable), $"{what}: serving {servingBefore} -> {servingAfter}");
                        Assert.True(newServing <= desired, what);
                        Assert.Equal(Math.Min(news, desired) + d.Submit, live.Count(r => r.Revision == 2) - d.ScaledDown.Length + d.Submit);

                        // No stall: a rollout whose replicas all serve always takes a step.
                        Assert.True(olds == 0 || servingBefore < live.Count || !d.IsEmpty, $"{what}: stalled");
                    }
                }
            }
        }
    }

    [Fact]
    public void With_no_surge_an_old_replica_makes_the_room_for_each_new_one()
    {
        // A pool with no card to spare: one old goes and one new is submitted in its place, never more than the count live.
        var strategy = new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = 1 };
        var d = ReplicaPlan.Decide(3, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1)], strategy: strategy);
        Assert.Equal(["a.1"], d.Replaced);
        Assert.Equal(1, d.Submit);

        // The new one waits for the freed card: the two old ones left serve, nothing more goes.
        Assert.True(ReplicaPlan.Decide(3, 2, [R("a.2", 1), R("a.3", 1), R("a.4", 2, TaskState.Pending)], strategy: strategy).IsEmpty);

        // It serves: the next old one goes.
        d = ReplicaPlan.Decide(3, 2, [R("a.2", 1), R("a.3", 1), R("a.4", 2)], strategy: strategy);
        Assert.Equal(["a.2"], d.Replaced);
        Assert.Equal(1, d.Submit);
    }

    [Fact]
    public void A_wider_surge_and_unavailability_take_bigger_steps()
    {
        // Surge 2, unavailable 1, four old serving: one old goes at once and three new go up (five live, three serving).
        var d = ReplicaPlan.Decide(4, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1), R("a.4", 1)], strategy: new DeploymentStrategy { MaxSurge = 2, MaxUnavailable = 1 });
        Assert.Equal(["a.1"], d.Replaced);
        Assert.Equal(3, d.Submit);

        // The same as shares of the count: 50% surge rounded up is 2, 25% unavailable rounded down is 1.
        var shares = new DeploymentStrategy { MaxSurge = ReplicaCount.Share(50), MaxUnavailable = ReplicaCount.Share(25) };
        d = ReplicaPlan.Decide(4, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1), R("a.4", 1)], strategy: shares);
        Assert.Equal(["a.1"], d.Replaced);
        Assert.Equal(3, d.Submit);

        // Of three replicas, 25% unavailable rounds down to none: the surge is the only room.
        d = ReplicaPlan.Decide(3, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1)], strategy: shares);
        Assert.Empty(d.Replaced);
        Assert.Equal(2, d.Submit);

        // The default takes one step of one.
        d = ReplicaPlan.Decide(4, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1), R("a.4", 1)]);
        Assert.Empty(d.Replaced);
        Assert.Equal(1, d.Submit);
    }

    [Theory]
    [InlineData(TaskState.Failed, 0, 2)]
    [InlineData(TaskState.Completed, 0, 2)]
    [InlineData(TaskState.Failed, 9, 2)]
    [InlineData(TaskState.Failed, 10, 0)]
    [InlineData(TaskState.Completed, 60, 0)]
    [InlineData(TaskState.Cancelled, 0, 1)]
    public void An_ending_counts_as_a_failure_unless_the_replica_ran_ten_minutes_and_a_cancel_does_not_count(TaskState state, int ranMinutes, int after)
    {
        var start = DateTimeOffset.UnixEpoch;
        var ended = new VGpuTaskStatus("a.1", Specs.Batch(), state, null, 1, start, start, start, start.AddMinutes(ranMinutes), "x", 0);
        Assert.Equal(after, ReplicaPlan.FailuresAfter(1, ended));
    }

    [Fact]
    public void A_replica_that_never_started_counts_as_a_failure()
    {
        var ended = new VGpuTaskStatus("a.1", Specs.Batch(), TaskState.Failed, null, 1, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch.AddHours(1), "x", 0);
        Assert.Equal(3, ReplicaPlan.FailuresAfter(2, ended));
    }

    [Fact]
    public void The_backoff_doubles_from_ten_seconds_to_five_minutes()
    {
        Assert.Equal(TimeSpan.Zero, DeploymentRules.Backoff(0));
        Assert.Equal(TimeSpan.FromSeconds(10), DeploymentRules.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(20), DeploymentRules.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(160), DeploymentRules.Backoff(5));
        Assert.Equal(TimeSpan.FromMinutes(5), DeploymentRules.Backoff(6));
        Assert.Equal(TimeSpan.FromMinutes(5), DeploymentRules.Backoff(int.MaxValue));
    }

    [Fact]
    public void A_paused_rollout_holds_its_mix_and_only_makes_up_what_ended()
    {
        // A canary serving beside the three old ones (the surge): nothing is cancelled, nothing added.
        Assert.True(ReplicaPlan.Decide(3, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1), R("a.4", 2)], paused: true).IsEmpty);

        // A new spec deployed while paused waits: the old ones stay, none of the new revision is added.
        Assert.True(ReplicaPlan.Decide(3, 2, [R("a.1", 1), R("a.2", 1), R("a.3", 1)], paused: true).IsEmpty);

        // An old one ended: made up (by the current revision), not more.
        Assert.Equal(1, ReplicaPlan.Decide(3, 2, [R("a.2", 1), R("a.4", 2)], paused: true).Submit);
        Assert.Empty(ReplicaPlan.Decide(3, 2, [R("a.2", 1), R("a.4", 2)], paused: true).Replaced);

        // Scaled down while paused: beyond the count and its surge, those not serving first, then the newest.
        var d = ReplicaPlan.Decide(1, 2, [R("a.1", 1), R("a.2", 1, TaskState.Pending), R("a.3", 1), R("a.4", 2)], paused: true);
        Assert.Equal(["a.2", "a.4"], d.ScaledDown);
        Assert.Equal(0, d.Submit);

        // With no earlier revision live there is nothing to hold: as when not paused.
        Assert.Equal(2, ReplicaPlan.Decide(3, 2, [R("a.4", 2)], paused: true).Submit);
        Assert.Equal(["a.5"], ReplicaPlan.Decide(1, 2, [R("a.4", 2), R("a.5", 2)], paused: true).ScaledDown);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_paused_rollout_never_cancels_within_its_surge_nor_submits_beyond_the_count(int surge, int unavailable)
    {
        var states = new[] { TaskState.Running, TaskState.Pending };
        for (var olds = 1; olds <= 4; olds++)
        {
            for (var news = 0; news <= 4; news++)
            {
                for (var desired = 0; desired <= 4; desired++)
                {
                    foreach (var state in states)
                    {
                        var live = Enumerable.Range(0, olds).Select(i => R($"o.{i}", 1, state))
                            .Concat(Enumerable.Range(0, news).Select(i => R($"n.{i}", 2, state))).ToList();
                        var d = ReplicaPlan.Decide(desired, 2, live, paused: true, new DeploymentStrategy { MaxSurge = surge, MaxUnavailable = unavailable });
                        Assert.Empty(d.Replaced);
                        Assert.Equal(Math.Max(0, live.Count - desired - surge), d.ScaledDown.Length);
                        Assert.Equal(Math.Max(0, desired - live.Count), d.Submit);
                    }
                }
            }
        }
    }

    [Fact]
    public void A_failed_rollout_goes_back_to_the_last_revision_rolled_out_once_its_replicas_failed_three_in_a_row()
    {
        var history = new List<DeploymentRevision> { new(1, Specs.Batch(), DateTimeOffset.UnixEpoch), new(2, Specs.Batch(items: 2), DateTimeOffset.UnixEpoch) };
        Assert.Null(RevisionHistory.FailedRolloutTarget(2, DeploymentRules.RolloutFailures - 1, 1, history));
        Assert.Equal(1, RevisionHistory.FailedRolloutTarget(2, DeploymentRules.RolloutFailures, 1, history)!.Revision);

        // Nothing rolled out before, the current revision rolled out already, or the good one no longer kept: nowhere to go.
        Assert.Null(RevisionHistory.FailedRolloutTarget(2, 9, 0, history));
        Assert.Null(RevisionHistory.FailedRolloutTarget(2, 9, 2, history));
        Assert.Null(RevisionHistory.FailedRolloutTarget(12, 9, 1, history.Skip(1).ToList()));

        // A roll back the deployment made itself is not rolled back from by it.
        Assert.Null(RevisionHistory.FailedRolloutTarget(2, 9, 1, history, currentIsRollBack: true));

        // Past its progress deadline it goes back too, failures or none; but not from its own roll back.
        Assert.Equal(1, RevisionHistory.FailedRolloutTarget(2, 0, 1, history, stalled: true)!.Revision);
        Assert.Null(RevisionHistory.FailedRolloutTarget(2, 0, 1, history, currentIsRollBack: true, stalled: true));
        Assert.Null(RevisionHistory.FailedRolloutTarget(2, 0, 2, history, stalled: true));
    }
}
