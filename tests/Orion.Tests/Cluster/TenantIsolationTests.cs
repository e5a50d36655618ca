using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A pool that keeps its tenants apart (<c>Orion:Access:TenantReads</c> Own), read by a real Orleans client with each
/// token: a tenant's token reads its own tenant's work only, through every read the SDK offers; admins and viewers all.
/// </summary>
public sealed class TenantIsolationTests
{
    private static readonly string Admin = AccessToken.New();
    private static readonly string Search = AccessToken.New();
    private static readonly string Ads = AccessToken.New();
    private static readonly string Viewer = AccessToken.New();

    private static Task<TestPool> StartAsync(string tenantReads) => TestPool.StartAsync(
        [Node("n0", gpus: 1)],
        clientToken: Admin,
        extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Access:Required"] = "true",
            ["Orion:Access:TenantReads"] = tenantReads,
            ["Orion:Access:Tokens:0:Name"] = "ops", ["Orion:Access:Tokens:0:Role"] = "admin", ["Orion:Access:Tokens:0:Sha256"] = AccessToken.Hash(Admin),
            ["Orion:Access:Tokens:1:Name"] = "search-ci", ["Orion:Access:Tokens:1:Role"] = "tenant", ["Orion:Access:Tokens:1:Tenant"] = "search", ["Orion:Access:Tokens:1:Sha256"] = AccessToken.Hash(Search),
            ["Orion:Access:Tokens:2:Name"] = "ads-ci", ["Orion:Access:Tokens:2:Role"] = "tenant", ["Orion:Access:Tokens:2:Tenant"] = "ads", ["Orion:Access:Tokens:2:Sha256"] = AccessToken.Hash(Ads),
            ["Orion:Access:Tokens:3:Name"] = "grafana", ["Orion:Access:Tokens:3:Role"] = "viewer", ["Orion:Access:Tokens:3:Sha256"] = AccessToken.Hash(Viewer),
        });

    /// <summary>Runs <paramref name="call"/> with <paramref name="token"/> on its grain calls (async: the caller's own token is untouched).</summary>
    private static async Task<T> As<T>(string token, Func<Task<T>> call)
    {
        RequestContext.Set(AccessToken.RequestKey, token);
        return await call();
    }

    private static async Task<string> Refused(string token, Func<Task> call)
    {
        RequestContext.Set(AccessToken.RequestKey, token);
        return (await Assert.ThrowsAsync<UnauthorizedAccessException>(call)).Message;
    }

    private static TaskSpec Long(string tenant, double percent) => Specs.Batch(computePercent: percent, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: tenant);

    /// <summary>Two tenants sharing one card: a deployment each, a task running each, a task each waiting in line (ads' last).</summary>
    private static async Task<TestPool> SharedCardAsync(string tenantReads)
    {
        var pool = await StartAsync(tenantReads);
        await pool.Client.SetQuotaAsync("search", new TenantQuota(Tasks: 10));
        await pool.Client.SetQuotaAsync("ads", new TenantQuota(Tasks: 10));
        await As(Search, () => pool.Client.DeployAsync("search-chat", Long("search", 5), 1));
        await As(Ads, () => pool.Client.DeployAsync("ads-chat", Long("ads", 5), 1));
        await As(Search, () => pool.Client.SubmitAsync(Long("search", 40), "search-1"));
        await As(Ads, () => pool.Client.SubmitAsync(Long("ads", 40), "ads-1"));
        foreach (var id in new[] { "search-chat.1", "ads-chat.1", "search-1", "ads-1" })
        {
            await pool.WaitForAsync(id, TaskState.Running);
        }

        await As(Search, () => pool.Client.SubmitAsync(Long("search", 100), "search-wait"));
        await As(Ads, () => pool.Client.SubmitAsync(Long("ads", 100), "ads-wait"));
        return pool;
    }

    [Fact]
    public async Task A_tenants_token_reads_its_own_tenants_work_only_and_others_are_refused_by_name()
    {
        await using var pool = await SharedCardAsync("Own");
        string[] mine = ["search-1", "search-chat.1", "search-wait"];

        Assert.Equal(mine, (await As(Search, () => pool.Client.ListAsync())).Select(t => t.TaskId).Order());
        Assert.Empty(await As(Search, () => pool.Client.ListAsync(new TaskQuery(Tenant: "ads"))));

        // A limit counts its own: ads' tasks, first in the list (submitted at one moment of the pool's clock, then by id), do not take the one place.
        Assert.Equal("ads-1", Assert.Single(await pool.Client.ListAsync(new TaskQuery(Limit: 1))).TaskId);
        Assert.Equal("search-1", Assert.Single(await As(Search, () => pool.Client.ListAsync(new TaskQuery(Limit: 1)))).TaskId);

        Assert.Equal(
            "token 'search-ci' (tenant search) may not read IVGpuTaskGrain.GetStatus of what tenant ads owns: this pool keeps tenants apart (Orion:Access:TenantReads is Own)",
            await Refused(Search, () => pool.Client.GetAsync("ads-1")));
        Assert.Contains("may not read IDeploymentGrain.GetStatus of what tenant ads owns", await Refused(Search, () => pool.Client.GetDeploymentAsync("ads-chat")));
        Assert.Contains("may not read ITenantGrain.GetUsage of what tenant ads owns", await Refused(Search, () => pool.Client.GetTenantAsync("ads")));
        var today = DateOnly.FromDateTime(pool.Clock.GetUtcNow().UtcDateTime);
        Assert.Contains("may not read ITenantMeterGrain.Read of what tenant ads owns", await Refused(Search, () => pool.Client.GetConsumptionAsync(today, today, "ads")));
        Assert.Null(await As(Search, () => pool.Client.GetAsync("never-submitted")));
        Assert.Equal("search-1", (await As(Search, () => pool.Client.GetAsync("search-1")))!.TaskId);

        // Lists: its own quota, deployment and usage.
        Assert.Equal(["search"], (await As(Search, () => pool.Client.ListQuotasAsync())).Select(q => q.Tenant));
        Assert.Equal(["search-chat"], (await As(Search, () => pool.Client.ListDeploymentsAsync())).Select(d => d.Name));
        Assert.Equal(["search"], (await As(Search, () => pool.Client.GetConsumptionAsync(today, today))).Select(c => c.Tenant));

        // The queue: its own place in line only.
        await pool.EventuallyAsync(async () => Assert.Equal(["search-wait", "ads-wait"], (await pool.Client.GetSchedulersAsync()).Queue));
        Assert.Equal(["search-wait"], (await As(Search, () => pool.Client.GetSchedulersAsync())).Queue);
        Assert.NotNull(await As(Search, () => pool.Client.WhyWaitingAsync("search-wait")));

        // Asked of the scheduler itself, another tenant's task is not there to explain.
        var scheduler = pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("dc1"));
        Assert.Null(await As(Search, () => scheduler.WhyWaiting("ads-wait")));
        Assert.NotNull(await As(Ads, () => scheduler.WhyWaiting("ads-wait")));

        // The feed: events of its own tasks only (ads' placements happened too).
        await pool.EventuallyAsync(async () => Assert.Contains(await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity), e => e.TaskId == "ads-1"));
        await pool.EventuallyAsync(async () => Assert.Contains(
            await As(Search, () => pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)), e => e.TaskId == "search-1" && e.Kind == PoolEventKinds.Placement));
        Assert.All(await As(Search, () => pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)), e => Assert.Contains(e.TaskId, mine));

        // The card: ads' room is taken, by no one it may know.
        var card = Assert.Single((await As(Search, () => pool.Client.GetNodeAsync("dc1/n0")))!.Gpus);
        Assert.Equal(900, card.ComputeAllocatedMilli);
        Assert.Equal(
            [("(hidden) 1", "(another tenant)"), ("(hidden) 2", "(another tenant)"), ("search-1", "search"), ("search-chat.1", "search")],
            card.Slices.Select(s => (s.TaskId, s.Tenant!)).Order());

        // The whole pool as the CLI and scripts read it.
        var seen = await As(Search, () => pool.Client.GetPoolAsync());
        Assert.Equal(mine, seen.Tasks.Select(t => t.TaskId).Order());
        Assert.Equal(["search-chat"], seen.Deployments.Select(d => d.Name));
        Assert.Equal(["search"], seen.Tenants.Select(t => t.Tenant));
        Assert.Equal(900, Assert.Single(seen.Cards).ComputeAllocatedMilli);
        Assert.DoesNotContain("ads", string.Join(" ", seen.Cards.SelectMany(c => c.Slices).Select(s => s.TaskId + s.Tenant)));
        Assert.All(seen.Events, e => Assert.Contains(e.TaskId, mine));

        // The other tenant sees the mirror image; a viewer and an admin see both.
        Assert.Equal(["ads-1", "ads-chat.1", "ads-wait"], (await As(Ads, () => pool.Client.ListAsync())).Select(t => t.TaskId).Order());
        Assert.Equal(6, (await As(Viewer, () => pool.Client.ListAsync())).Count);
        Assert.Equal("ads-1", (await As(Viewer, () => pool.Client.GetAsync("ads-1")))!.TaskId);
        Assert.Equal(["ads-chat", "search-chat"], (await As(Viewer, () => pool.Client.ListDeploymentsAsync())).Select(d => d.Name).Order());
        Assert.Equal(6, (await pool.Client.ListAsync()).Count);
        Assert.Equal(["ads-1", "ads-chat.1", "search-1", "search-chat.1"], Assert.Single((await pool.Client.GetNodeAsync("dc1/n0"))!.Gpus).Slices.Select(s => s.TaskId).Order());
        await pool.AssertConsistentAsync([.. mine, "ads-1", "ads-chat.1", "ads-wait"]);
    }

    [Fact]
    public async Task By_default_a_tenants_token_reads_the_whole_pool_but_what_is_anothers_alone()
    {
        await using var pool = await SharedCardAsync("All");
        Assert.Equal(6, (await As(Search, () => pool.Client.ListAsync())).Count);
        Assert.Equal("ads-1", (await As(Search, () => pool.Client.GetAsync("ads-1")))!.TaskId);
        Assert.Equal(["ads-wait", "search-wait"], (await As(Search, () => pool.Client.GetSchedulersAsync())).Queue.Order());
        Assert.Equal(["ads", "search"], (await As(Search, () => pool.Client.ListQuotasAsync())).Select(q => q.Tenant).Order());
        Assert.Equal(["ads-1", "ads-chat.1", "search-1", "search-chat.1"], Assert.Single((await As(Search, () => pool.Client.GetNodeAsync("dc1/n0")))!.Gpus).Slices.Select(s => s.TaskId).Order());
    }
}
