using Orion.Contracts;
using Orion.Tests.Cluster;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Deployments;

/// <summary>Drains and maintenance windows move a deployment's replicas one at a time, so its service stays up.</summary>
public sealed class DisruptionBudgetTests
{
    private static TaskSpec Replica() => Specs.Batch(computePercent: 30, gpuMemoryMiB: 1024, items: 1_000_000, gpuMsPerItem: 1_000, name: "web", tenant: "shop");

    private static TaskSpec Job() => Specs.Batch(computePercent: 30, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e12, tenant: "batch");

    private static async Task<Dictionary<string, VGpuTaskStatus>> Replicas(TestPool pool, string deployment) =>
        (await Task.WhenAll((await pool.Client.GetDeploymentAsync(deployment))!.Tasks.Select(t => pool.Client.GetAsync(t.TaskId))))
            .Select(s => s!).ToDictionary(s => s.TaskId);

    [Fact]
    public async Task A_drain_moves_one_replica_of_a_deployment_at_a_time_unless_forced()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        await pool.Client.CordonAsync("dc1/n1", "kept free");
        await pool.Client.DeployAsync("web", Replica(), 2);
        await pool.SubmitAsync(Job(), "job");
        await pool.EventuallyAsync(async () => Assert.All((await Replicas(pool, "web")).Values, r => Assert.Equal((TaskState.Running, "dc1/n0"), (r.State, r.Placement?.NodeId))));
        await pool.WaitForAsync("job", TaskState.Running);

        // The job and one replica move (nowhere to go yet: n1 is still cordoned); the other replica waits for the first.
        var first = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        var stayed = Assert.Single(first.Left);
        Assert.Equal(["job", (await Replicas(pool, "web")).Keys.Single(k => k != stayed)], first.Evicted.Order());
        var moved = first.Evicted.Single(t => t != "job");
        Assert.Equal($"deployment web moves its replicas one at a time ({moved} is moving)", first.Why![stayed]);

        // Its turn passed, the moved one still serves nowhere: the other still waits.
        pool.Advance(TimeSpan.FromSeconds(5));
        var second = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        Assert.Empty(second.Evicted);
        Assert.Equal([stayed], second.Left.ToArray());
        Assert.Equal($"deployment web moves its replicas one at a time ({moved} not serving)", second.Why![stayed]);
        Assert.Equal(TaskState.Running, await pool.StateOf(stayed));

        // Once it serves elsewhere, the next drain moves the other.
        await pool.Client.UncordonAsync("dc1/n1");
        Assert.Equal("dc1/n1", (await pool.WaitForAsync(moved, TaskState.Running)).Placement!.NodeId);
        var third = await pool.Client.DrainAsync("dc1/n0", "psu swap");
        Assert.Equal([stayed], third.Evicted.ToArray());
        Assert.Empty(third.Left);
        Assert.Equal("dc1/n1", (await pool.WaitForAsync(stayed, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync([.. (await Replicas(pool, "web")).Keys, "job"]);

        // Both back on n0 by a forced drain of n1: no waiting for the first to serve.
        await pool.Client.UncordonAsync("dc1/n0");
        var forced = await pool.Client.DrainAsync("dc1/n1", "fan", force: true);
        Assert.Equal(3, forced.Evicted.Length);
        Assert.Empty(forced.Left);
        await pool.EventuallyAsync(async () => Assert.All((await Replicas(pool, "web")).Values, r => Assert.Equal((TaskState.Running, "dc1/n0"), (r.State, r.Placement?.NodeId))));
    }

    [Fact]
    public async Task A_racks_drained_window_moves_its_replicas_ahead_one_at_a_time_and_other_work_at_the_start()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1), Node("n2", gpus: 1)]);
        var t0 = pool.Clock.GetUtcNow();
        await pool.Client.CordonAsync("dc1/n2", "kept free");
        await pool.Client.DeployAsync("web", Replica(), 2);
        await pool.EventuallyAsync(async () =>
            Assert.Equal(["dc1/n0", "dc1/n1"], (await Replicas(pool, "web")).Values.Where(r => r.State == TaskState.Running).Select(r => r.Placement!.NodeId).Order()));
        await pool.SubmitAsync(Job(), "job");
        var job = await pool.WaitForAsync("job", TaskState.Running);
        var before = await Replicas(pool, "web");

        // The rack: both nodes go down together, with an hour's notice.
        var window = new MaintenanceWindow(t0.AddHours(2), TimeSpan.FromHours(1), "rack r1 power", Drain: true, Notice: TimeSpan.FromHours(1));
        await pool.Client.ScheduleMaintenanceAsync("dc1/n0", window);
        await pool.Client.ScheduleMaintenanceAsync("dc1/n1", window);
        await pool.Client.UncordonAsync("dc1/n2");
        pool.Advance(TimeSpan.FromHours(1));

        // In the notice one replica moves to n2; the other stays while the clock holds its deployment's turn.
        await pool.EventuallyAsync(async () => Assert.Single((await Replicas(pool, "web")).Values, r => r is { State: TaskState.Running, Placement.NodeId: "dc1/n2" }));
        var now = await Replicas(pool, "web");
        var stayed = Assert.Single(now.Values, r => r.Placement?.NodeId != "dc1/n2");
        Assert.Equal((TaskState.Running, before[stayed.TaskId].Generation), (stayed.State, stayed.Generation));

        // Its turn passed and the first serving, the second moves too, still ahead of the start; the job waits for it.
        pool.Advance(TimeSpan.FromSeconds(5));
        await pool.EventuallyAsync(async () => Assert.All((await Replicas(pool, "web")).Values, r => Assert.Equal((TaskState.Running, "dc1/n2"), (r.State, r.Placement?.NodeId))));
        Assert.Equal((TaskState.Running, job.Generation), ((await pool.Client.GetAsync("job"))!.State, (await pool.Client.GetAsync("job"))!.Generation));

        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(async () =>
        {
            var moved = (await pool.Client.GetAsync("job"))!;
            Assert.True(moved.Generation > job.Generation);
            Assert.Equal($"evicted from {job.Placement!.NodeId}: maintenance: rack r1 power", moved.PastRuns![^1].Reason);
        });
    }

    [Fact]
    public async Task With_a_budget_of_two_a_racks_window_moves_both_replicas_ahead_at_once()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1), Node("n2", gpus: 1)]);
        var t0 = pool.Clock.GetUtcNow();
        await pool.Client.CordonAsync("dc1/n2", "kept free");
        await pool.Client.DeployAsync("web", Replica(), 2, strategy: new DeploymentStrategy { DisruptionBudget = 2 });
        await pool.EventuallyAsync(async () =>
            Assert.Equal(["dc1/n0", "dc1/n1"], (await Replicas(pool, "web")).Values.Where(r => r.State == TaskState.Running).Select(r => r.Placement!.NodeId).Order()));

        var window = new MaintenanceWindow(t0.AddHours(2), TimeSpan.FromHours(1), "rack r1 power", Drain: true, Notice: TimeSpan.FromHours(1));
        await pool.Client.ScheduleMaintenanceAsync("dc1/n0", window);
        await pool.Client.ScheduleMaintenanceAsync("dc1/n1", window);
        await pool.Client.UncordonAsync("dc1/n2");
        pool.Advance(TimeSpan.FromHours(1));

        // Both go within the same turn: the clock stands still, so a budget of one would hold the second.
        await pool.EventuallyAsync(async () => Assert.All((await Replicas(pool, "web")).Values, r => Assert.Equal((TaskState.Running, "dc1/n2"), (r.State, r.Placement?.NodeId))));
    }
}
