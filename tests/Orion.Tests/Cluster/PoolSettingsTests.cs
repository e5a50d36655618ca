using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>The pool's live settings: one change reaches every scheduler and card, and placed work stays where it is.</summary>
public sealed class PoolSettingsTests
{
    private static TaskSpec Long(double computePercent) => Specs.Batch(computePercent: computePercent, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9);

    private static async Task<GpuSnapshot> CardOnceItHas(TestPool pool, int capacityMilli)
    {
        GpuSnapshot? card = null;
        await pool.EventuallyAsync(async () =>
        {
            // The node's next heartbeat carries the change to its card.
            pool.Advance(TimeSpan.FromMilliseconds(500));
            card = (await pool.NodeSnapshot("n0")).Gpus.Single();
            Assert.Equal(capacityMilli, card.ComputeCapacityMilli);
        });
        return card!;
    }

    [Fact]
    public async Task A_new_compute_oversubscription_reaches_the_cards_at_their_next_heartbeat_and_placed_work_stays()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        Assert.Equal(new PoolSettings("fragmentation", 1.0, 1.0), await pool.Client.GetSettingsAsync());
        await pool.SubmitAsync(Long(60), "a");
        await pool.SubmitAsync(Long(60), "b");
        Assert.Equal(TaskState.Pending, await pool.StateOf("b"));

        // Raised: the card takes 200%, and the queued task runs beside the first.
        var raised = await pool.Client.UpdateSettingsAsync(computeOversubscription: 2.0);
        Assert.Equal((2.0, 1L), (raised.ComputeOversubscription, raised.Version));
        await CardOnceItHas(pool, 2000);
        await pool.WaitForAsync("b", TaskState.Running);

        // Lowered below what is placed: both run on, and nothing new lands until enough ends.
        await pool.Client.UpdateSettingsAsync(computeOversubscription: 1.0);
        var card = await CardOnceItHas(pool, 1000);
        Assert.Equal(1200, card.ComputeAllocatedMilli);
        await pool.SubmitAsync(Long(10), "c");
        Assert.Equal(TaskState.Pending, await pool.StateOf("c"));
        Assert.Equal((TaskState.Running, TaskState.Running), (await pool.StateOf("a"), await pool.StateOf("b")));

        await pool.Client.CancelAsync("a");
        await pool.WaitForAsync("c", TaskState.Running);
        await pool.AssertConsistentAsync(["a", "b", "c"]);
    }

    [Fact]
    public async Task A_new_policy_is_used_from_the_schedulers_next_round()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)], oversubscription: 2.0);
        await pool.Client.UpdateSettingsAsync(policy: "Spread");
        await pool.EventuallyAsync(async () =>
        {
            // A round that follows the settings: a task that fits nowhere and fails at once, so it leaves nothing behind
            // on the nodes (a probe placed and cancelled could still show in the scheduler's view when x and y come).
            var probe = await pool.SubmitAsync(Specs.Training(2) with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } }, $"probe-{Guid.NewGuid():N}");
            Assert.Equal(TaskState.Failed, probe.State);
            Assert.Equal("spread", (await pool.SchedulerSnapshot()).Policy);
        });

        // Spread puts the next two on different nodes; the default would have packed them onto one card.
        await pool.SubmitAsync(Long(30), "x");
        var first = (await pool.WaitForAsync("x", TaskState.Running)).Placement!.NodeId;
        await pool.SubmitAsync(Long(30), "y");
        Assert.NotEqual(first, (await pool.WaitForAsync("y", TaskState.Running)).Placement!.NodeId);
    }

    [Fact]
    public async Task Bad_settings_are_refused_naming_the_field_and_change_nothing_and_good_ones_outlive_the_grain()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var before = await pool.Client.UpdateSettingsAsync(memoryOversubscription: 1.5);

        var policy = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.UpdateSettingsAsync(policy: "fastest", computeOversubscription: 3));
        Assert.Equal("policy", policy.ParamName);
        Assert.StartsWith("policy must be one of", policy.Message);
        var compute = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.UpdateSettingsAsync(computeOversubscription: 0.5));
        Assert.Equal("computeOversubscription", compute.ParamName);
        var memory = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.UpdateSettingsAsync(memoryOversubscription: double.NaN));
        Assert.Equal("memoryOversubscription", memory.ParamName);
        var halfLife = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.UpdateSettingsAsync(consolidate: true, fairShareHalfLife: TimeSpan.FromDays(31)));
        Assert.Equal("fairShareHalfLife", halfLife.ParamName);
        Assert.StartsWith("fairShareHalfLife must be 0 (off: only what tenants hold now counts) or from 1h to 30d, not '31d'", halfLife.Message);

        // Past the SDK, the grain keeps the same rules.
        var direct = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<IPoolSettingsGrain>(GrainKeys.Pool).Update("fastest", null, 0.5));
        Assert.StartsWith("policy must be one of random, spread", direct.Message);
        Assert.Contains("memoryOversubscription must be at least 1", direct.Message);
        var directHalfLife = await Assert.ThrowsAsync<ArgumentException>(
            () => pool.Grains.GetGrain<IPoolSettingsGrain>(GrainKeys.Pool).Update(null, null, null, fairShareHalfLife: TimeSpan.FromMinutes(30)));
        Assert.StartsWith("fairShareHalfLife must be 0 (off: only what tenants hold now counts) or from 1h to 30d, not '30m'", directHalfLife.Message);
        Assert.Equal(before, await pool.Client.GetSettingsAsync());

        // Set, then off again (zero): each a change of its own, stored as none.
        var on = await pool.Client.UpdateSettingsAsync(fairShareHalfLife: TimeSpan.FromDays(7));
        Assert.Equal((TimeSpan.FromDays(7), before.Version + 1), (on.FairShareHalfLife!.Value, on.Version));
        var off = await pool.Client.UpdateSettingsAsync(fairShareHalfLife: TimeSpan.Zero);
        Assert.Equal(((TimeSpan?)null, before.Version + 2), (off.FairShareHalfLife, off.Version));
        before = off;

        // The same values again change nothing; the live settings outlive the grain's activation.
        Assert.Equal(before, await pool.Client.UpdateSettingsAsync(memoryOversubscription: 1.5));
        await pool.Grains.GetGrain<IPoolSettingsGrain>(GrainKeys.Pool).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Equal(before, await pool.Client.GetSettingsAsync());
        Assert.Equal((3L, 1.5), (before.Version, before.MemoryOversubscription));
    }
}
