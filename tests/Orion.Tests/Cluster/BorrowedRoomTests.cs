using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A quota that lends (<see cref="TenantQuota.Borrow"/>) lets its tenant's work run on idle room beyond its compute limit;
/// the room is taken back, by eviction, as soon as a task within its quota fits nowhere else.
/// </summary>
public sealed class BorrowedRoomTests
{
    private static TaskSpec WholeCard(string tenant, PriorityClass priority = PriorityClass.Offline) =>
        Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 3_600_000, tenant: tenant, priority: priority);

    /// <summary>
    /// Two cards, a quota of one card that lends: "own" runs within it, "lent" on the other card on loan (both running).
    /// </summary>
    private static async Task<TestPool> OwnAndLentAsync()
    {
        var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100, Borrow: true));
        Assert.False((await pool.SubmitAsync(WholeCard("search"), "own")).Borrowed);
        Assert.True((await pool.SubmitAsync(WholeCard("search"), "lent")).Borrowed);
        await pool.WaitForAsync("own", TaskState.Running);
        await pool.WaitForAsync("lent", TaskState.Running);
        return pool;
    }

    [Fact]
    public async Task Work_over_a_lending_quota_runs_on_idle_cards_and_is_evicted_for_a_task_within_its_quota_then_runs_again()
    {
        // The first card is within the quota; the second is borrowed, since the pool has it idle.
        await using var pool = await OwnAndLentAsync();
        Assert.Null((await pool.Client.GetAsync("lent"))!.QuotaWait);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100, Borrow: true), 100, 0, 1, 0, 100, 1), await pool.Client.GetTenantAsync("search"));
        Assert.Contains((await pool.NodeSnapshot("n0")).Borrowed, b => b.TaskId == "lent");

        // Online work never borrows: over the quota it waits in line as before.
        var online = await pool.SubmitAsync(WholeCard("search", PriorityClass.Online), "online");
        Assert.Equal((false, TaskState.Pending), (online.Borrowed, online.State));
        Assert.NotNull(online.QuotaWait);
        await pool.Client.CancelAsync("online");

        // Another tenant's task finds no card: the borrowed one is evicted for it, never the one within the quota.
        await pool.SubmitAsync(WholeCard("ads"), "ads");
        await pool.WaitForAsync("ads", TaskState.Running);
        var evicted = await pool.WaitForAsync("lent", TaskState.Pending);
        Assert.True(evicted.Borrowed);
        Assert.Equal("evicted from dc1/n0: borrowed room reclaimed for ads", evicted.ExitReason);
        Assert.Equal(TaskState.Running, await pool.StateOf("own"));
        Assert.Contains("lent", (await pool.SchedulerSnapshot()).Queue);
        await pool.AssertConsistentAsync(["own", "lent", "ads", "online"]);

        // Idle room again: the borrowed task runs again, still on loan.
        await pool.Client.CancelAsync("ads");
        Assert.True((await pool.WaitForAsync("lent", TaskState.Running)).Borrowed);
        await pool.AssertConsistentAsync(["own", "lent", "ads", "online"]);
        await pool.EventuallyAsync(async () =>
        {
            var events = (await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 200))
                .Where(e => e.Kind is PoolEventKinds.QuotaBorrow or PoolEventKinds.Reclaim);
            Assert.Equal(["quota-borrow lent", "reclaim lent"], events.Select(e => $"{e.Kind} {e.TaskId}"));
        });
    }

    [Fact]
    public async Task A_raised_quota_takes_a_running_loan_under_it_and_it_is_never_reclaimed_after()
    {
        await using var pool = await OwnAndLentAsync();

        Assert.Equal(new TenantUsage("search", new TenantQuota(200, Borrow: true), 200, 0, 2, 0, 0, 0),
            await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 200, Borrow: true)));
        await pool.EventuallyAsync(async () => Assert.False((await pool.Client.GetAsync("lent"))!.Borrowed));
        await pool.EventuallyAsync(async () => Assert.True((await pool.NodeSnapshot("n0")).Borrowed.IsDefaultOrEmpty));

        // Another tenant now waits, as nothing on the node is on loan, until a card frees; the former loan was never evicted.
        await pool.SubmitAsync(WholeCard("ads"), "ads");
        Assert.Equal(TaskState.Pending, await pool.StateOf("ads"));
        await pool.Client.CancelAsync("own");
        await pool.WaitForAsync("ads", TaskState.Running);
        var lent = await pool.Client.GetAsync("lent");
        Assert.Equal((TaskState.Running, null, 1L), (lent!.State, lent.ExitReason, lent.Generation));
        await pool.AssertConsistentAsync(["own", "lent", "ads"]);
    }

    [Fact]
    public async Task A_task_on_loan_is_placed_after_a_task_within_its_quota_when_both_wait_for_the_same_card()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 3)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100, Borrow: true));
        await pool.SubmitAsync(WholeCard("ads"), "first");
        await pool.SubmitAsync(WholeCard("ads"), "second");

        // Ads keeps a card throughout, so when the last card frees both tenants hold one: fair share ties, and only the
        // loan's place after everyone else decides.
        await pool.SubmitAsync(WholeCard("ads"), "third");

        // All queue for the cards, the borrowed one before the other tenant's; each time one frees, a task within its
        // quota has it (nothing runs on loan here, so nothing is evicted, and the search quota stays full: no loan is repaid).
        Assert.False((await pool.SubmitAsync(WholeCard("search"), "own-2")).Borrowed);
        Assert.True((await pool.SubmitAsync(WholeCard("search"), "lent")).Borrowed);
        await pool.SubmitAsync(WholeCard("ads"), "ads");
        Assert.Equal(["own-2", "lent", "ads"], (await pool.SchedulerSnapshot()).Queue);

        await pool.Client.CancelAsync("first");
        await pool.WaitForAsync("own-2", TaskState.Running);
        await pool.Client.CancelAsync("second");
        await pool.WaitForAsync("ads", TaskState.Running);
        // Never placed at all (placed first, it would have been evicted for ads at once, under a new generation).
        var lent = await pool.Client.GetAsync("lent");
        Assert.Equal((TaskState.Pending, true, 1L, null), (lent!.State, lent.Borrowed, lent.Generation, lent.ExitReason));
        await pool.AssertConsistentAsync(["first", "second", "third", "own-2", "lent", "ads"]);
    }

    [Fact]
    public async Task A_queued_loan_that_room_under_its_quota_takes_keeps_its_place_and_is_no_longer_placed_last()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100, Borrow: true));
        await pool.SubmitAsync(WholeCard("ads"), "first");
        await pool.SubmitAsync(WholeCard("search"), "own");
        Assert.True((await pool.SubmitAsync(WholeCard("search"), "lent")).Borrowed);
        await pool.SubmitAsync(WholeCard("ads"), "ads");

        // The task within the quota gives up: the loan is taken under the quota while it waits in the queue.
        await pool.Client.CancelAsync("own");
        await pool.EventuallyAsync(async () => Assert.False((await pool.Client.GetAsync("lent"))!.Borrowed));
        Assert.Equal(new TenantUsage("search", new TenantQuota(100, Borrow: true), 100, 0, 1, 0, 0, 0), await pool.Client.GetTenantAsync("search"));

        // It arrived before the other tenant's task, and now goes before it.
        await pool.Client.CancelAsync("first");
        await pool.WaitForAsync("lent", TaskState.Running);
        Assert.Equal(TaskState.Pending, await pool.StateOf("ads"));
        Assert.True((await pool.NodeSnapshot("n0")).Borrowed.IsDefaultOrEmpty);
        await pool.AssertConsistentAsync(["first", "own", "lent", "ads"]);
    }

    [Fact]
    public async Task Loans_outlive_the_tenant_grains_activation_and_are_still_counted_apart_and_repaid()
    {
        await using var pool = await OwnAndLentAsync();
        await pool.Grains.GetGrain<ITenantGrain>("search").Cast<IGrainManagementExtension>().DeactivateOnIdle();

        // Rebuilt from the tasks: one charge, one loan.
        Assert.Equal(new TenantUsage("search", new TenantQuota(100, Borrow: true), 100, 0, 1, 0, 100, 1), await pool.Client.GetTenantAsync("search"));

        // The task within the quota ends: the loan is taken under it.
        await pool.Client.CancelAsync("own");
        await pool.EventuallyAsync(async () => Assert.False((await pool.Client.GetAsync("lent"))!.Borrowed));
        Assert.Equal(new TenantUsage("search", new TenantQuota(100, Borrow: true), 100, 0, 1, 0, 0, 0), await pool.Client.GetTenantAsync("search"));
        await pool.AssertConsistentAsync(["own", "lent"]);
    }

    [Fact]
    public async Task A_fresh_scheduler_activation_knows_the_loans_from_the_nodes_and_reclaims_them()
    {
        await using var pool = await OwnAndLentAsync();

        // The scheduler's activation goes; the next one rebuilds its view from the nodes, loans included.
        await pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("dc1")).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () => Assert.False(await pool.SchedulerIsActive("dc1")));
        await pool.SubmitAsync(WholeCard("ads"), "ads");
        await pool.WaitForAsync("ads", TaskState.Running);
        Assert.Equal((TaskState.Pending, TaskState.Running), (await pool.StateOf("lent"), await pool.StateOf("own")));
        await pool.AssertConsistentAsync(["own", "lent", "ads"]);
    }
}
