using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A person asks why a task does not run yet, and hears what holds it back now.</summary>
public sealed class WhyWaitingTests
{
    [Fact]
    public async Task A_waiting_task_hears_each_nodes_first_broken_rule_and_the_answer_follows_the_pool()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1, cpu: 8000), Node("n1", gpus: 1, cpu: 8000)]);
        // Two tasks of 80% each: one per card, so one per node, each holding 1,000 of the node's 8,000 CPU milli.
        foreach (var id in new[] { "a", "b" })
        {
            await pool.WaitForAsync((await pool.SubmitAsync(Specs.Batch(computePercent: 80, items: 1_000_000), id)).TaskId, TaskState.Running);
        }

        var hungry = await pool.SubmitAsync(Specs.Batch(computePercent: 10, cpuMilli: 7500, items: 1), "hungry");
        Assert.Equal(TaskState.Pending, hungry.State);
        Assert.Equal("0 of 2 nodes take it now: too little free CPU for 7,500 milli (2)", await pool.Client.WhyWaitingAsync("hungry"));

        // One node cordoned: its rule changes with it (cordoned is checked first).
        await pool.Client.CordonAsync("dc1/n1", "bios update");
        Assert.Equal("0 of 2 nodes take it now: cordoned or without a daemon (1), too little free CPU for 7,500 milli (1)",
            await pool.Client.WhyWaitingAsync("hungry"));

        // Running, or no such task: nothing to say.
        Assert.Null(await pool.Client.WhyWaitingAsync("a"));
        Assert.Null(await pool.Client.WhyWaitingAsync("nobody"));
    }

    [Fact]
    public async Task A_gang_member_hears_how_many_of_its_gang_are_queued_and_a_quota_wait_names_the_limit()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        await pool.SubmitAsync(Specs.Training(1) with { Gang = new GangSpec("allreduce", 3) }, "rank-0");
        Assert.Equal("gang allreduce: 1 of 3 members queued", await pool.Client.WhyWaitingAsync("rank-0"));

        await pool.Client.SetQuotaAsync("team-a", new TenantQuota(GpuPercent: 50));
        await pool.SubmitAsync(Specs.Batch(computePercent: 40, items: 1_000_000), "first");
        var second = await pool.SubmitAsync(Specs.Batch(computePercent: 40, items: 1_000_000), "second");
        Assert.Equal($"waiting for its tenant's quota: {second.QuotaWait}", await pool.Client.WhyWaitingAsync("second"));
    }
}
