using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A tenant's monthly budget of card-hours (<see cref="TenantQuota.GpuHoursPerMonth"/>): spent, as its meter counts, its new
/// work waits for the next calendar month (UTC) while its running work runs on and other tenants are not bound.
/// </summary>
public sealed class TenantBudgetTests
{
    private static readonly TimeSpan Checkpoint = TimeSpan.FromMinutes(5);

    private static TaskSpec Long(string tenant, double computePercent, bool failFast = false)
    {
        var spec = Specs.Batch(computePercent: computePercent, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9, tenant: tenant);
        return spec with { Constraints = spec.Constraints with { FailIfUnplaceable = failFast } };
    }

    [Fact]
    public async Task A_spent_budget_holds_new_work_in_line_until_the_next_month_and_leaves_running_work_alone()
    {
        // Two hours before the month ends; the meter counts runs under way every 5 minutes.
        await using var pool = await StartAsync([Node("n0", gpus: 2)], clockStart: new DateTimeOffset(2026, 11, 30, 22, 0, 0, TimeSpan.Zero),
            extraSettings: new Dictionary<string, string?> { ["Orion:Pool:UsageCheckpointInterval"] = Checkpoint.ToString() });
        var set = await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuHoursPerMonth: 1));
        Assert.Equal(0, set.GpuHoursThisMonth);
        await pool.SubmitAsync(Long("search", 100), "a");
        await pool.WaitForAsync("a", TaskState.Running);

        // A whole card for 50 minutes: past 80% of the budget, the feed gives a heads-up once.
        await RunAsync(pool, TimeSpan.FromMinutes(50), atLeast: 0.8 * 3600);
        pool.Advance(Orion.Grains.TenantGrain.RecheckInterval);
        Assert.InRange((await pool.Client.GetTenantAsync("search")).GpuHoursThisMonth!.Value, 0.8, 51 / 60.0);
        await pool.EventuallyAsync(async () => Assert.Matches(
            @"^spent 8\d% of its 1 card-hours for 2026-11 \(0\.8\d metered\)$", Assert.Single(await BudgetEvents(pool)).Detail));

        // An hour and more: the budget is spent once the meter has counted an hour.
        await RunAsync(pool, TimeSpan.FromMinutes(15), atLeast: 3600);

        // The tenant reads its meter at admission, at most every RecheckInterval.
        pool.Advance(Orion.Grains.TenantGrain.RecheckInterval);
        var waiting = await pool.SubmitAsync(Long("search", 50), "b");
        Assert.Equal(TaskState.Pending, waiting.State);
        Assert.Matches(@"^tenant 'search' spent its quota of gpuHoursPerMonth 1: 1(\.\d+)? card-hours in 2026-11; more from 2026-12-01 \(UTC\)$", waiting.QuotaWait);
        Assert.InRange((await pool.Client.GetTenantAsync("search")).GpuHoursThisMonth!.Value, 1, 66 / 60.0);
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Long("search", 50, failFast: true), "c"));
        Assert.StartsWith("'search' spent its quota of gpuHoursPerMonth 1", Assert.Single(refused.Errors).Rule);
        Assert.Null(await pool.Client.GetAsync("c"));

        // Running work runs on; another tenant is not bound; the feed says the budget was spent.
        Assert.Equal(TaskState.Running, (await pool.Client.GetAsync("a"))!.State);
        await pool.SubmitAsync(Long("ads", 50), "d");
        await pool.WaitForAsync("d", TaskState.Running);
        await pool.EventuallyAsync(async () =>
        {
            var events = await BudgetEvents(pool);
            Assert.Equal(2, events.Count);
            Assert.All(events, e => Assert.Equal("tenant search", e.Where));
            Assert.Matches(@"^spent its 1 card-hours for 2026-11 \(1(\.\d+)? metered\): new tasks wait until 2026-12-01 \(UTC\)$", events[1].Detail);
        });

        // Said once: a later reading of the spent budget adds nothing.
        pool.Advance(Orion.Grains.TenantGrain.RecheckInterval);
        Assert.True((await pool.Client.GetTenantAsync("search")).GpuHoursThisMonth >= 1);
        Assert.Equal(2, (await BudgetEvents(pool)).Count);

        // A new month: the tenant's own minute's look admits its line.
        pool.Advance(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) - pool.Clock.GetUtcNow());
        pool.Advance(Orion.Grains.TenantGrain.RecheckTickInterval);
        Assert.Null((await pool.WaitForAsync("b", TaskState.Running)).QuotaWait);
        Assert.True((await pool.Client.GetTenantAsync("search")).GpuHoursThisMonth < 1);
        await pool.AssertConsistentAsync(["a", "b", "d"]);
    }

    /// <summary>Runs the pool's clock on by <paramref name="by"/> in checkpoint steps, until the meter of search has counted <paramref name="atLeast"/> card-seconds.</summary>
    private static async Task RunAsync(TestPool pool, TimeSpan by, double atLeast)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += Checkpoint)
        {
            pool.Advance(Checkpoint);
            await Task.Delay(20);
        }

        await pool.EventuallyAsync(async () =>
        {
            var metered = await pool.Grains.GetGrain<ITenantMeterGrain>("search").Read(new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 30));
            Assert.True(Assert.Single(metered.Days).CardSeconds >= atLeast);
        });
    }

    private static async Task<List<PoolEvent>> BudgetEvents(TestPool pool) =>
        [.. (await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100)).Where(e => e.Kind == PoolEventKinds.QuotaBudget)];

    [Fact]
    public async Task A_budget_raised_admits_the_line_and_a_budget_set_alone_keeps_the_other_limits()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 5, GpuHoursPerMonth: 0));
        var waiting = await pool.SubmitAsync(Long("search", 50), "a");
        Assert.Equal("tenant 'search' spent its quota of gpuHoursPerMonth 0: 0 card-hours in 2026-11; more from 2026-12-01 (UTC)", waiting.QuotaWait);
        Assert.Equal(1, (await pool.Client.GetTenantAsync("search")).Waiting);

        var raised = await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 5, GpuHoursPerMonth: 10));
        Assert.Equal((0d, 0), (raised.GpuHoursThisMonth, raised.Waiting));
        Assert.Null((await pool.WaitForAsync("a", TaskState.Running)).QuotaWait);
    }

    [Fact]
    public async Task A_default_quotas_budget_binds_each_tenant_without_its_own_on_its_own_meter()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], settingsMaxAge: TimeSpan.Zero);
        await pool.Client.SetDefaultQuotaAsync(new TenantQuota(GpuHoursPerMonth: 0));
        var held = await pool.SubmitAsync(Long("newcomer", 10), "a");
        Assert.Equal("tenant 'newcomer' spent its quota of gpuHoursPerMonth 0: 0 card-hours in 2026-11; more from 2026-12-01 (UTC)", held.QuotaWait);
        var usage = await pool.Client.GetTenantAsync("newcomer");
        Assert.Equal((true, 0d), (usage.QuotaIsDefault, usage.GpuHoursThisMonth));

        // A tenant given limits of its own leaves the default (and its budget) behind.
        await pool.Client.SetQuotaAsync("newcomer", new TenantQuota(Tasks: 3));
        Assert.Null((await pool.WaitForAsync("a", TaskState.Running)).QuotaWait);
        Assert.Null((await pool.Client.GetTenantAsync("newcomer")).GpuHoursThisMonth);
    }

    [Fact]
    public async Task A_meter_that_cannot_be_read_holds_up_no_admission()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuHoursPerMonth: 10));
        faults.FailNext("ITenantMeterGrain.Read", "search");
        pool.Advance(Orion.Grains.TenantGrain.RecheckInterval);

        var admitted = await pool.SubmitAsync(Long("search", 50), "a");
        Assert.Equal(0, faults.StillToFail("ITenantMeterGrain.Read", "search"));
        Assert.Null(admitted.QuotaWait);
        Assert.Equal(0, (await pool.Client.GetTenantAsync("search")).GpuHoursThisMonth);
    }

    [Fact]
    public async Task A_bad_budget_is_refused_naming_the_field_and_changes_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuHoursPerMonth: 5));
        foreach (var bad in new[] { -1, double.NaN, double.PositiveInfinity, 1e12 })
        {
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SetQuotaAsync("search", new TenantQuota(GpuHoursPerMonth: bad)));
            Assert.StartsWith("quota.gpuHoursPerMonth must be 0 to 744000000 (card-hours per calendar month, UTC)", refused.Message);
        }

        // Past the SDK, the grain keeps the same rule.
        var direct = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<ITenantGrain>("search").SetQuota(new TenantQuota(GpuHoursPerMonth: -1)));
        Assert.StartsWith("quota.gpuHoursPerMonth must be 0 to", direct.Message);

        Assert.Equal(5, (await pool.Client.GetTenantAsync("search")).Quota!.GpuHoursPerMonth);
    }
}
