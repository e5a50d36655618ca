using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Room that frees goes to the tenant holding the least, not to whoever queued first.</summary>
public sealed class FairShareTests
{
    private static TaskSpec Card(string tenant) => Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1e9, tenant: tenant);

    [Fact]
    public async Task A_freed_card_goes_to_the_tenant_holding_the_least_not_to_the_task_queued_first()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);

        // Tenant a fills both cards and queues two more; b queues two after all of them.
        foreach (var id in new[] { "a1", "a2", "a3", "a4" })
        {
            await pool.SubmitAsync(Card("a"), id);
        }

        await pool.SubmitAsync(Card("b"), "b1");
        await pool.SubmitAsync(Card("b"), "b2");
        await pool.WaitForAsync("a2", TaskState.Running);
        Assert.Equal(["a3", "a4", "b1", "b2"], (await pool.SchedulerSnapshot()).Queue);

        // A card frees: b holds nothing and a holds one, so b's first task takes it, though a3 queued first.
        await pool.Client.CancelAsync("a1");
        await pool.WaitForAsync("b1", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("a3"))!.State);

        // Now a holds none and b one: a's next task, a3, takes the card before b2.
        await pool.Client.CancelAsync("a2");
        await pool.WaitForAsync("a3", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("b2"))!.State);
        await pool.AssertConsistentAsync(["a1", "a2", "a3", "a4", "b1", "b2"]);
    }

    [Fact]
    public async Task A_tenant_of_weight_three_takes_three_cards_for_each_one_of_a_tenant_of_weight_one()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        var weighted = await pool.Client.SetQuotaAsync("a", new TenantQuota(Weight: 3));
        Assert.Equal((3.0, 0), (weighted.Quota!.Weight!.Value, weighted.Waiting));
        Assert.Contains(await pool.Client.ListQuotasAsync(), u => u.Tenant == "a" && u.Quota!.Weight == 3);

        // x fills the cards; b queues three tasks, then a three.
        foreach (var id in new[] { "x1", "x2", "x3", "x4" })
        {
            await pool.SubmitAsync(Card("x"), id);
        }

        foreach (var id in new[] { "b1", "b2", "b3", "a1", "a2", "a3" })
        {
            var queued = await pool.SubmitAsync(Card(id[..1]), id);
            Assert.Null(queued.QuotaWait);
        }

        // Each card x frees goes to the tenant whose share over its weight is least (ties: the earlier task).
        foreach (var (freed, next) in new[] { ("x1", "b1"), ("x2", "a1"), ("x3", "a2"), ("x4", "a3") })
        {
            await pool.Client.CancelAsync(freed);
            await pool.WaitForAsync(next, TaskState.Running);
        }

        Assert.Equal(["b2", "b3"], (await pool.SchedulerSnapshot()).Queue);

        // A weight alone is no limit, and clearing it leaves the tenant unlisted.
        await pool.Client.SetQuotaAsync("a", null);
        Assert.DoesNotContain(await pool.Client.ListQuotasAsync(), u => u.Tenant == "a");
        await pool.AssertConsistentAsync(["x1", "x2", "x3", "x4", "b1", "b2", "b3", "a1", "a2", "a3"]);
    }
}
