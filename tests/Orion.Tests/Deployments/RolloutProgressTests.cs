using Orion.Client;
using Orion.Contracts;

namespace Orion.Tests.Deployments;

public sealed class RolloutProgressTests
{
    private static DeploymentStatus Status(int replicas, int revision, DeploymentReplica[] tasks, int failures = 0, bool paused = false) =>
        new("web", Specs.Batch(), replicas, revision, [.. tasks], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, failures, null, failures > 0 ? "web.9 Failed: exit 1" : null, Paused: paused);

    private static DeploymentReplica R(string id, int revision, TaskState state = TaskState.Running, bool warming = false) => new(id, revision, state, Warming: warming);

    [Fact]
    public void Done_once_every_replica_asked_for_is_new_and_serves_and_no_other_is_live()
    {
        var done = RolloutProgress.Of(Status(2, 2, [R("web.3", 2), R("web.4", 2)]));
        Assert.Equal((true, null, "revision 2 rolled out: 2 of 2 ready"), (done.Done, done.Failure, done.Text));

        Assert.False(RolloutProgress.Of(Status(2, 2, [R("web.3", 2), R("web.4", 2, warming: true)])).Done);
        Assert.False(RolloutProgress.Of(Status(2, 2, [R("web.1", 1), R("web.3", 2), R("web.4", 2)])).Done);
        Assert.False(RolloutProgress.Of(Status(2, 2, [R("web.3", 2)])).Done);
        Assert.False(RolloutProgress.Of(Status(1, 2, [R("web.3", 2), R("web.4", 2)])).Done);
        Assert.True(RolloutProgress.Of(Status(0, 1, [])).Done);
    }

    [Fact]
    public void Progress_counts_new_replicas_ready_and_not_yet_and_old_ones_live()
    {
        var p = RolloutProgress.Of(Status(3, 2, [R("web.1", 1), R("web.2", 1), R("web.4", 2), R("web.5", 2, TaskState.Pending)]));
        Assert.Equal((false, null, "revision 2: 1 of 3 new replicas ready, 1 not yet, 2 old live"), (p.Done, p.Failure, p.Text));
    }

    [Fact]
    public void A_paused_rollout_or_a_crash_loop_fails_and_fewer_failures_do_not()
    {
        var paused = RolloutProgress.Of(Status(2, 2, [R("web.1", 1), R("web.2", 1), R("web.3", 2)], paused: true));
        Assert.Equal("rollout paused at revision 2 (orion rollout resume web goes on)", paused.Failure);

        // Paused with nothing of an earlier revision left: nothing held, not failed.
        Assert.Null(RolloutProgress.Of(Status(2, 2, [R("web.3", 2, TaskState.Pending)], paused: true)).Failure);

        Assert.Null(RolloutProgress.Of(Status(1, 2, [R("web.1", 1)], failures: DeploymentRules.RolloutFailures - 1)).Failure);
        Assert.Equal("revision 2's replicas keep failing (3 in a row; last: web.9 Failed: exit 1)",
            RolloutProgress.Of(Status(1, 2, [R("web.1", 1)], failures: DeploymentRules.RolloutFailures)).Failure);
    }
}
