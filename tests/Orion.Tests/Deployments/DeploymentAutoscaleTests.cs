using Orion.Client;
using Orion.Contracts;
using Orion.Grains.Deployments;
using Orion.Tests.Cluster;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Deployments;

/// <summary>A deployment that scales itself by how busy its online replicas are, on an in-process pool with a fake clock.</summary>
public sealed class DeploymentAutoscaleTests
{
    private static readonly TimeSpan Look = new Orion.Grains.PoolOptions().DeploymentCheckInterval;

    private static TaskSpec Online() => Specs.Service(computePercent: 20, gpuMemoryMiB: 1024, name: "chat", requestsPerSecond: 0) with { Tenant = "shop" };

    private long sequence;

    /// <summary>Marks a replica busy or idle on its card, as its lease or its daemon's measurement does.</summary>
    private async Task Demand(TestPool pool, string taskId, bool busy)
    {
        var status = (await pool.Client.GetAsync(taskId))!;
        var ack = await pool.Grains.GetGrain<IGpuGrain>(status.Placement!.GpuIds[0]).SetDemand(taskId, status.Generation, busy, ++sequence);
        Assert.True(ack.Applied);
    }

    private static async Task<DeploymentStatus> LookUntil(TestPool pool, Func<DeploymentStatus, bool> condition)
    {
        DeploymentStatus? seen = null;
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(Look);
            await Task.Delay(10);
            seen = (await pool.Client.GetDeploymentAsync("chat"))!;
            Assert.True(condition(seen), $"{seen.Replicas} asked, {seen.Ready} ready, {seen.BusyPercent}% busy: {string.Join(", ", seen.Tasks)}");
        });
        return seen!;
    }

    [Fact]
    public async Task Busy_replicas_bring_more_at_once_and_idle_ones_go_after_the_scale_down_window()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)]);
        var created = await pool.Client.DeployAsync("chat", Online(), 1, new AutoscaleSpec(Min: 1, Max: 4, TargetBusyPercent: 50));
        Assert.Equal(new AutoscaleSpec(1, 4, 50), created.Autoscale);
        await LookUntil(pool, d => d.Ready == 1);

        // Busy all the time at a 50% target: two replicas.
        await Demand(pool, "chat.1", busy: true);
        var two = await LookUntil(pool, d => d.Replicas == 2 && d.Ready == 2);
        Assert.Equal(100, two.BusyPercent);
        Assert.Contains(await pool.Client.GetEventsAsync(max: 500), e => e.Kind == PoolEventKinds.Autoscale && e.TaskId == "chat" && e.Detail.Contains("from 1 to 2"));

        // One of two busy: 50% on average, at the target; both busy: four (doubling).
        await LookUntil(pool, d => d.BusyPercent == 50);
        Assert.Equal(2, (await pool.Client.GetDeploymentAsync("chat"))!.Replicas);
        await Demand(pool, "chat.2", busy: true);
        await LookUntil(pool, d => d.Replicas == 4 && d.Ready == 4);

        // Applied again as it was (a pipeline's manifest, --replicas 1): the count its demand asked for stays.
        Assert.Equal(4, (await pool.Client.DeployAsync("chat", Online(), 1, new AutoscaleSpec(Min: 1, Max: 4, TargetBusyPercent: 50))).Replicas);

        // Everyone idle: still four until a whole window asked for fewer, then the fewest.
        await Demand(pool, "chat.1", busy: false);
        await Demand(pool, "chat.2", busy: false);
        var idleFrom = pool.Clock.GetUtcNow();
        var one = await LookUntil(pool, d => d.Replicas == 1);
        Assert.True(pool.Clock.GetUtcNow() - idleFrom >= ReplicaAutoscaler.ScaleDownWindow, $"scaled down after {pool.Clock.GetUtcNow() - idleFrom}");
        Assert.Equal(0, one.BusyPercent);
        Assert.Single(one.Tasks);
        Assert.Contains("scaled down to 1", (await pool.Client.GetAsync("chat.4"))!.ExitReason);
        await pool.AssertConsistentAsync(["chat.1", "chat.2", "chat.3", "chat.4"]);
    }

    [Fact]
    public async Task A_lease_attached_to_a_replica_marks_its_requests_and_leaves_it_running_when_disposed()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.DeployAsync("chat", Online(), 1, new AutoscaleSpec(Min: 1, Max: 2, TargetBusyPercent: 50));
        var replica = await pool.WaitForAsync("chat.1", TaskState.Running);
        var card = pool.Grains.GetGrain<IGpuGrain>(replica.Placement!.GpuIds[0]);

        var lease = await pool.Client.AttachAsync("chat.1");
        var request = await lease.BeginRequestAsync();
        Assert.Contains("chat.1", (await card.GetSnapshot())!.Busy);

        // Busy for a whole look: the deployment scales itself up.
        var two = await LookUntil(pool, d => d.Replicas == 2);
        Assert.Equal(100, two.BusyPercent);

        // The lease goes: the replica is idle on its card and runs on.
        await request.DisposeAsync();
        await lease.DisposeAsync();
        Assert.DoesNotContain("chat.1", (await card.GetSnapshot())!.Busy);
        Assert.Equal(TaskState.Running, await pool.StateOf("chat.1"));
        var before = await card.GetBusyTime("chat.1", replica.Generation);
        pool.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(before, await card.GetBusyTime("chat.1", replica.Generation));
    }

    [Fact]
    public async Task A_lease_attaches_only_to_a_running_online_task()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.SubmitAsync(Specs.Batch(items: 1_000_000, gpuMsPerItem: 1_000), "offline");
        await pool.WaitForAsync("offline", TaskState.Running);
        await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.AttachAsync("offline"));
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.AttachAsync("nobody"));
        Assert.Equal("no task with id 'nobody'", unknown.Message);

        // An online task that waits for room (the card is full) has no card to mark yet.
        await pool.Client.SubmitAsync(Online() with { Resources = ResourceRequest.Slice(100, 1024, 1000, 1024) }, "waiting");
        var waiting = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Client.AttachAsync("waiting"));
        Assert.Contains("is Pending", waiting.Message);
    }

    [Fact]
    public async Task A_deployment_that_scales_itself_is_not_scaled_by_hand_and_only_online_work_autoscales()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var offline = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.DeployAsync("chat", Specs.Batch(), 1, new AutoscaleSpec(1, 3)));
        Assert.Equal("template.priority", Assert.Single(offline.Errors).Field);
        var bounds = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.DeployAsync("chat", Online(), 1, new AutoscaleSpec(0, 3, 101)));
        Assert.Equal(["autoscale.min", "autoscale.targetBusyPercent"], bounds.Errors.Select(e => e.Field));
        Assert.Null(await pool.Client.GetDeploymentAsync("chat"));

        // Started outside its bounds, it starts within them.
        var created = await pool.Client.DeployAsync("chat", Online(), 9, new AutoscaleSpec(1, 3));
        Assert.Equal(3, created.Replicas);
        var byHand = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.ScaleAsync("chat", 2));
        Assert.Contains("scales itself from 1 to 3", Assert.Single(byHand.Errors).Rule);

        // Deployed again without autoscale: its count is set by hand once more.
        var manual = await pool.Client.DeployAsync("chat", Online(), 2);
        Assert.Null(manual.Autoscale);
        Assert.Equal(2, manual.Replicas);
        Assert.Equal(1, manual.Revision);
        Assert.Equal(1, (await pool.Client.ScaleAsync("chat", 1)).Replicas);
    }
}
