using Orion.Client;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A tenant's quota bounds what its live tasks ask together: over it a submit is refused and leaves nothing.</summary>
public sealed class TenantQuotaTests
{
    private static TaskSpec Long(string tenant, double computePercent, long gpuMemoryMiB = 4096) =>
        Specs.Batch(computePercent: computePercent, gpuMemoryMiB: gpuMemoryMiB, items: 1, gpuMsPerItem: 1e9, tenant: tenant);

    [Fact]
    public async Task A_submit_over_the_quota_is_refused_naming_the_limit_and_a_task_that_ends_makes_room()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 0, 0, 0), await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 100)));
        await pool.SubmitAsync(Long("search", 60), "a");

        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 50), "b"));
        Assert.Equal(new ValidationError("tenant", "'search' would pass its quota of gpuPercent 100: 60 in use + 50 asked"), Assert.Single(refused.Errors));
        Assert.Null(await pool.Client.GetAsync("b"));

        // Another tenant is not bound by it, and the rest of the quota is there to use exactly.
        await pool.SubmitAsync(Long("ads", 50), "c");
        await pool.SubmitAsync(Long("search", 40), "d");
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 100, 8192, 2), await pool.Client.GetTenantAsync("search"));

        await pool.Client.CancelAsync("a");
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.Client.GetTenantAsync("search")).Tasks));
        await pool.SubmitAsync(Long("search", 50), "b");
        await pool.WaitForAsync("b", TaskState.Running);
        await pool.AssertConsistentAsync(["a", "b", "c", "d"]);
    }

    [Fact]
    public async Task Concurrent_submits_never_pass_the_quota_together()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 300, Tasks: 10));
        var ids = Enumerable.Range(0, 16).Select(i => $"t{i}").ToArray();
        var outcomes = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                await pool.SubmitAsync(Long("search", 40), id);
                return true;
            }
            catch (SpecValidationException)
            {
                return false;
            }
        }));

        // 300 / 40 = 7 tasks: the charges are exactly the accepted tasks' requests, and no refused one left a task.
        var accepted = ids.Where((_, i) => outcomes[i]).ToArray();
        Assert.Equal(7, accepted.Length);
        Assert.Equal(new TenantUsage("search", new TenantQuota(300, null, 10), 280, 7 * 4096, 7), await pool.Client.GetTenantAsync("search"));
        foreach (var id in ids)
        {
            Assert.Equal(outcomes[Array.IndexOf(ids, id)], await pool.Client.GetAsync(id) is not null);
        }

        var live = await pool.Client.ListAsync(new TaskQuery(Tenant: "search"));
        Assert.Equal(280, live.Sum(t => t.Spec.Resources.ComputePercent));
    }

    [Fact]
    public async Task A_job_array_is_admitted_task_by_task_and_the_refused_entries_are_named()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 2));
        var array = Enumerable.Range(0, 5).Select(i => new TaskSubmission(Long("search", 10), $"job-{i}")).ToArray();

        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitManyAsync(array));
        Assert.Equal(3, refused.Errors.Length);
        Assert.All(refused.Errors, e => Assert.Matches(@"^tasks\[[0-4]\]\.tenant$", e.Field));
        var submitted = await pool.Client.ListAsync(new TaskQuery(Tenant: "search"));
        Assert.Equal(2, submitted.Count);
        Assert.Equal(5, submitted.Count + refused.Errors.Length);
    }

    [Fact]
    public async Task A_first_quota_counts_the_tasks_already_live()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Long("search", 50), "a");
        await pool.SubmitAsync(Long("search", 50, gpuMemoryMiB: 1000), "b");
        await pool.SubmitAsync(Long("search", 10), "done");
        await pool.Client.CancelAsync("done");

        // Without a quota the usage is what the catalogue lists live.
        Assert.Equal(new TenantUsage("search", null, 100, 5096, 2), await pool.Client.GetTenantAsync("search"));
        Assert.Equal(new TenantUsage("search", new TenantQuota(120), 100, 5096, 2), await pool.Client.SetQuotaAsync("search", new TenantQuota(120)));
        await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 30), "c"));
        await pool.SubmitAsync(Long("search", 20), "d");

        // Lowered below what is live: the live tasks run on, new ones wait for room.
        await pool.Client.SetQuotaAsync("search", new TenantQuota(50));
        Assert.Equal(TaskState.Running, (await pool.WaitForAsync("a", TaskState.Running)).State);
        await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 0.1), "e"));

        // Removed: nothing is counted against the tenant.
        Assert.Null((await pool.Client.SetQuotaAsync("search", null)).Quota);
        await pool.SubmitAsync(Long("search", 0.1), "e");
    }

    [Fact]
    public async Task A_lost_release_is_found_by_a_recheck_before_anyone_is_refused()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], faults: faults);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(100));
        await pool.SubmitAsync(Long("search", 100), "a");

        faults.FailNext("ITenantGrain.Release", "search");
        await pool.Client.CancelAsync("a");
        await pool.EventuallyAsync(() =>
        {
            Assert.Equal(0, faults.StillToFail("ITenantGrain.Release", "search"));
            return Task.CompletedTask;
        });
        Assert.Equal(1, (await pool.Client.GetTenantAsync("search")).Tasks);

        await pool.SubmitAsync(Long("search", 100), "b");
        Assert.Equal(new TenantUsage("search", new TenantQuota(100), 100, 4096, 1), await pool.Client.GetTenantAsync("search"));
    }

    [Fact]
    public async Task The_quota_and_its_charges_outlive_the_tenant_grains_activation()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuMemoryMiB: 8192));
        await pool.SubmitAsync(Long("search", 30, gpuMemoryMiB: 6000), "a");
        await pool.Grains.GetGrain<ITenantGrain>("search").Cast<IGrainManagementExtension>().DeactivateOnIdle();

        Assert.Equal(new TenantUsage("search", new TenantQuota(GpuMemoryMiB: 8192), 30, 6000, 1), await pool.Client.GetTenantAsync("search"));
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 30, gpuMemoryMiB: 3000), "b"));
        Assert.Equal("'search' would pass its quota of gpuMemoryMiB 8192: 6000 in use + 3000 asked", Assert.Single(refused.Errors).Rule);
    }

    [Fact]
    public async Task Bad_quotas_and_tenants_are_refused_naming_the_field_and_change_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 5));

        var percent = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: -1)));
        Assert.StartsWith("quota.gpuPercent must be 0 to", percent.Message);
        var blank = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetQuotaAsync(" ", new TenantQuota(1)));
        Assert.Equal("tenant", blank.ParamName);

        // Past the SDK, the grain keeps the same rules.
        var direct = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<ITenantGrain>("search").SetQuota(new TenantQuota(Tasks: -1)));
        Assert.StartsWith("quota.tasks must not be negative", direct.Message);
        Assert.Equal(new TenantQuota(Tasks: 5), (await pool.Client.GetTenantAsync("search")).Quota);

        // Under a memory limit a whole card must say how much of its memory it takes.
        await pool.Client.SetQuotaAsync("research", new TenantQuota(GpuMemoryMiB: 100_000));
        var whole = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Specs.Training(1) with { Tenant = "research" }, "w"));
        Assert.Equal("resources.gpuMemoryMiB", Assert.Single(whole.Errors).Field);
        Assert.Null(await pool.Client.GetAsync("w"));
    }

    [Fact]
    public async Task A_charge_that_storage_refused_is_not_kept_and_the_submit_leaves_no_task()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], storage: storage);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(100));

        storage.FailWrites("search");
        await Assert.ThrowsAnyAsync<Exception>(() => pool.SubmitAsync(Long("search", 100), "a"));
        storage.Heal();

        Assert.Null(await pool.Client.GetAsync("a"));
        Assert.Equal(0, (await pool.Client.GetTenantAsync("search")).Tasks);
        await pool.SubmitAsync(Long("search", 100), "b");
        await pool.WaitForAsync("b", TaskState.Running);
    }
}
