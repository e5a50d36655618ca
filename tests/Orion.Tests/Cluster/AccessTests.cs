using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A pool that requires access tokens, called by a real Orleans client with each token; its embedded daemons (the silo's
/// own callers) run the tasks throughout, carrying the cluster's secret.
/// </summary>
public sealed class AccessTests
{
    private static readonly string Admin = AccessToken.New();
    private static readonly string Search = AccessToken.New();
    private static readonly string Ads = AccessToken.New();
    private static readonly string Viewer = AccessToken.New();
    private static readonly string NodeZero = AccessToken.New();

    /// <summary>The pool; the test's client calls as the admin unless a call says otherwise.</summary>
    private static Task<TestPool> StartAsync(
        string? clusterSecret = null, FlakyGrainStorage? storage = null, string? callsPerSecond = null, GrainCallFaults? faults = null, string? issuedTokensMaxStale = null) => TestPool.StartAsync(
        [Node("n0", gpus: 1), Node("n1", gpus: 1)],
        clientToken: Admin,
        storage: storage,
        faults: faults,
        extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Access:CallsPerSecond"] = callsPerSecond,
            ["Orion:Access:IssuedTokensMaxStale"] = issuedTokensMaxStale,
            ["Orion:Access:ClusterSecret"] = clusterSecret,
            ["Orion:Access:Required"] = "true",
            ["Orion:Access:Tokens:0:Name"] = "ops", ["Orion:Access:Tokens:0:Role"] = "admin", ["Orion:Access:Tokens:0:Sha256"] = AccessToken.Hash(Admin),
            ["Orion:Access:Tokens:1:Name"] = "search-ci", ["Orion:Access:Tokens:1:Role"] = "tenant", ["Orion:Access:Tokens:1:Tenant"] = "search", ["Orion:Access:Tokens:1:Sha256"] = AccessToken.Hash(Search),
            ["Orion:Access:Tokens:2:Name"] = "ads-ci", ["Orion:Access:Tokens:2:Role"] = "tenant", ["Orion:Access:Tokens:2:Tenant"] = "ads", ["Orion:Access:Tokens:2:Sha256"] = AccessToken.Hash(Ads),
            ["Orion:Access:Tokens:3:Name"] = "grafana", ["Orion:Access:Tokens:3:Role"] = "viewer", ["Orion:Access:Tokens:3:Sha256"] = AccessToken.Hash(Viewer),
            ["Orion:Access:Tokens:4:Name"] = "n0", ["Orion:Access:Tokens:4:Role"] = "node", ["Orion:Access:Tokens:4:Node"] = "dc1/n0", ["Orion:Access:Tokens:4:Sha256"] = AccessToken.Hash(NodeZero),
        });

    /// <summary>Runs <paramref name="call"/> with <paramref name="token"/> on its grain calls (async: the caller's own token is untouched).</summary>
    private static async Task<T> As<T>(string? token, Func<Task<T>> call)
    {
        RequestContext.Set(AccessToken.RequestKey, token ?? "");
        return await call();
    }

    private static async Task<string> Refused(string? token, Func<Task> call)
    {
        RequestContext.Set(AccessToken.RequestKey, token ?? "");
        return (await Assert.ThrowsAsync<UnauthorizedAccessException>(call)).Message;
    }

    [Fact]
    public async Task A_tenant_token_runs_its_own_tenants_work_and_cannot_touch_another_tenants()
    {
        // The tests of this class run one after another: the checks counted here are this test's.
        var counted = new ConcurrentQueue<string>();
        using var metrics = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Name == "orion.access.calls")
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        metrics.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            counted.Enqueue(string.Join(" ", tags.ToArray().Select(t => t.Value)) + $" {value}"));
        metrics.Start();
        await using var pool = await StartAsync();
        var spec = Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 60_000, tenant: "search");
        var mine = await As(Search, () => pool.Client.SubmitAsync(spec, "search-1"));
        await pool.WaitForAsync("search-1", TaskState.Running);

        Assert.Equal(
            "token 'ads-ci' (tenant ads) may not call IVGpuTaskGrain.Cancel on what tenant search owns",
            await Refused(Ads, () => pool.Client.CancelAsync("search-1")));
        Assert.Contains("may not call IVGpuTaskGrain.Pause on what tenant search owns", await Refused(Ads, () => pool.Client.PauseAsync("search-1", "mine now")));
        Assert.Contains("may not call IVGpuTaskGrain.Submit with a spec of tenant search", await Refused(Ads, () => pool.Client.SubmitAsync(spec, "search-2")));

        // Each refusal is in the pool's feed, and counted.
        await pool.EventuallyAsync(async () =>
        {
            var refusal = Assert.Single(await pool.Client.GetEventsAsync(max: 500), e => e.Kind == PoolEventKinds.AccessRefused && e.Detail.Contains("Cancel"));
            Assert.Equal(("search-1", "vgputask/search-1"), (refusal.TaskId, refusal.Where));
            Assert.Equal("token 'ads-ci' (tenant ads) may not call IVGpuTaskGrain.Cancel on what tenant search owns", refusal.Detail);
        });
        Assert.Contains("IVGpuTaskGrain.Cancel tenant refused 1", counted);
        Assert.Contains("IVGpuTaskGrain.Submit tenant allowed 1", counted);

        // Nothing refused changed anything: the task runs on, the id refused was never taken.
        Assert.Equal(TaskState.Running, await pool.StateOf("search-1"));
        Assert.Null(await pool.Client.GetAsync("search-2"));

        // A task's log is its tenant's (and admins'): read through the task, never straight from its node.
        Assert.Contains("on ", (await As(Search, () => pool.Client.ReadLogAsync("search-1")))!.Text);
        Assert.Equal(
            "token 'ads-ci' (tenant ads) may not call IVGpuTaskGrain.ReadLog on what tenant search owns",
            await Refused(Ads, () => pool.Client.ReadLogAsync("search-1")));
        Assert.Contains("may not call IVGpuTaskGrain.ReadLog", await Refused(Viewer, () => pool.Client.ReadLogAsync("search-1")));
        Assert.Contains("INodeGrain.ReadLog is a message between", await Refused(Admin, () => pool.Grains.GetGrain<INodeGrain>("dc1/n0").ReadLog("search-1", 1, 0, 100)));

        // Reads are open to every token; the owner cancels its own.
        Assert.Equal(mine.TaskId, (await As(Ads, () => pool.Client.GetAsync("search-1")))!.TaskId);
        Assert.Equal(TaskState.Cancelled, (await As(Search, () => pool.Client.CancelAsync("search-1")))!.State);
    }

    [Fact]
    public async Task Without_a_known_token_nothing_is_read_and_a_viewer_only_reads()
    {
        await using var pool = await StartAsync();
        Assert.Contains("IPoolGrain.GetNodes needs an access token", await Refused(null, () => pool.Client.GetPoolAsync()));
        Assert.Contains("IPoolGrain.GetNodes needs an access token", await Refused(AccessToken.New(), () => pool.Client.GetPoolAsync()));

        var seen = await As(Viewer, () => pool.Client.GetPoolAsync());
        Assert.Equal(2, seen.Nodes.Length);
        Assert.Equal("token 'grafana' (viewer)", await As(Viewer, () => pool.Client.WhoAmIAsync()));

        // Who a call is comes from the silo, not from what the client put in its request.
        RequestContext.Set(AccessToken.CallerKey, "token 'ops' (admin)");
        Assert.Equal("token 'search-ci' (tenant search)", await As(Search, () => pool.Client.WhoAmIAsync()));
        RequestContext.Remove(AccessToken.CallerKey);
        Assert.Equal(
            "token 'grafana' (viewer) may not call IVGpuTaskGrain.Submit: only its tenant's token or an admin token may",
            await Refused(Viewer, () => pool.Client.SubmitAsync(Specs.Batch(tenant: "search"))));
        Assert.Contains("only an admin token may", await Refused(Viewer, () => pool.Client.CordonAsync("dc1/n0", "looking")));
    }

    [Fact]
    public async Task Pool_settings_quotas_and_cordons_are_an_admins_only()
    {
        await using var pool = await StartAsync();
        var before = await pool.Client.GetSettingsAsync();
        Assert.Equal(
            "token 'search-ci' (tenant search) may not call IPoolSettingsGrain.Update: only an admin token may",
            await Refused(Search, () => pool.Client.UpdateSettingsAsync(policy: "best-fit")));
        Assert.Contains("ITenantGrain.SetQuota: only an admin token may", await Refused(Search, () => pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 10_000))));
        Assert.Contains("INodeGrain.Cordon: only an admin token may", await Refused(Search, () => pool.Client.CordonAsync("dc1/n0", "mine")));
        Assert.Equal(before, await pool.Client.GetSettingsAsync());
        Assert.Null((await pool.NodeSnapshot("n0")).CordonReason);

        var after = await pool.Client.UpdateSettingsAsync(policy: "best-fit");
        Assert.Equal("best-fit", after.Policy);
    }

    [Fact]
    public async Task Messages_between_grains_are_closed_to_every_client_and_a_node_token_speaks_for_its_node_only()
    {
        await using var pool = await StartAsync();
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 60_000, tenant: "search"), "a");
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 60_000, tenant: "search"), "b");
        var a = await pool.WaitForAsync("a", TaskState.Running);
        var b = await pool.WaitForAsync("b", TaskState.Running);
        var (onZero, elsewhere) = a.Placement!.NodeId == "dc1/n0" ? (a, b) : (b, a);
        Assert.Equal("dc1/n1", elsewhere.Placement!.NodeId);

        var task = pool.Grains.GetGrain<IVGpuTaskGrain>(onZero.TaskId);
        Assert.Equal("INodeGrain.Release is a message between the pool's grains; no client may call it",
            await Refused(Admin, () => pool.Grains.GetGrain<INodeGrain>("dc1/n0").Release(onZero.TaskId, onZero.Generation)));
        Assert.Contains("IGpuGrain.Release is a message between", await Refused(Admin, () => pool.Grains.GetGrain<IGpuGrain>(onZero.Placement!.GpuIds[0]).Release(onZero.TaskId, onZero.Generation)));

        // Nor may a client reach Orion's grains through Orleans' own interfaces (a forged reminder tick).
        Assert.Contains("is not for clients", await Refused(Admin, () => task.AsReference<IRemindable>().ReceiveReminder("schedule", default)));

        // One-way messages are dropped without an answer: a forged node loss would have moved the task (checked below).
        await task.OnNodeLost(onZero.Generation, "forged");
        await task.OnPlaced(onZero.Generation + 1, elsewhere.Placement);

        // Node n0's token may report for n0's task, not for n1's, nor call n1's node grain.
        var exit = new TaskExit(elsewhere.TaskId, elsewhere.Generation, Succeeded: false, "forged by n0", 0, pool.Clock.GetUtcNow());
        Assert.Equal("token 'n0' (node dc1/n0) may not call IVGpuTaskGrain.OnExited on node dc1/n1",
            await Refused(NodeZero, () => pool.Grains.GetGrain<IVGpuTaskGrain>(elsewhere.TaskId).OnExited(exit)));
        Assert.Contains("may not call INodeGrain.Register on node dc1/n1", await Refused(NodeZero, () => pool.Grains.GetGrain<INodeGrain>("dc1/n1").Register(null!, null!)));
        await As(NodeZero, async () =>
        {
            await task.OnStarted(onZero.Generation);
            return true;
        });
        Assert.Contains("may not call IVGpuTaskGrain.OnStarted: only its node's token", await Refused(Search, () => task.OnStarted(onZero.Generation)));

        // Both run on where they were: nothing refused reached them.
        Assert.Equal((TaskState.Running, onZero.Generation, "dc1/n0"), await pool.Client.GetAsync(onZero.TaskId) is { } z ? (z.State, z.Generation, z.Placement?.NodeId) : default);
        Assert.Equal((TaskState.Running, elsewhere.Generation, "dc1/n1"), await pool.Client.GetAsync(elsewhere.TaskId) is { } e ? (e.State, e.Generation, e.Placement?.NodeId) : default);
        await pool.AssertConsistentAsync(["a", "b"]);
    }

    [Fact]
    public async Task A_lease_holds_demand_on_its_own_task_and_another_tenant_cannot_set_it()
    {
        await using var pool = await StartAsync();
        await using var lease = await As(Search, () => pool.Client.AcquireAsync(Specs.Service() with { Tenant = "search" }));
        await using (await lease.BeginRequestAsync())
        {
            var card = pool.Grains.GetGrain<IGpuGrain>(lease.Status.Placement!.GpuIds[0]);
            Assert.Contains(
                "token 'ads-ci' (tenant ads) may not call IGpuGrain.SetDemand on what tenant search owns",
                await Refused(Ads, () => card.SetDemand(lease.TaskId, lease.Status.Generation, busy: false, sequence: long.MaxValue)));
            Assert.Contains("may not call IVGpuTaskGrain.SetDemand on what tenant search owns",
                await Refused(Ads, () => pool.Grains.GetGrain<IVGpuTaskGrain>(lease.TaskId).SetDemand(busy: false, sequence: long.MaxValue)));
        }
    }

    [Fact]
    public async Task A_deployment_is_its_tenants_to_scale_and_delete_and_its_replicas_are_its_tenants()
    {
        await using var pool = await StartAsync();
        var replica = Specs.Service(computePercent: 20, gpuMemoryMiB: 1024) with { Tenant = "search" };
        var chat = await As(Search, () => pool.Client.DeployAsync("chat", replica, 1));
        Assert.Contains("may not call IDeploymentGrain.Apply with a spec of tenant search", await Refused(Ads, () => pool.Client.DeployAsync("chat-ads", replica, 1)));
        Assert.Equal("token 'ads-ci' (tenant ads) may not call IDeploymentGrain.Scale on what tenant search owns", await Refused(Ads, () => pool.Client.ScaleAsync("chat", 3)));
        Assert.Contains("may not call IDeploymentGrain.Delete on what tenant search owns", await Refused(Ads, () => pool.Client.DeleteDeploymentAsync("chat")));
        Assert.Contains("may not call IVGpuTaskGrain.Cancel on what tenant search owns", await Refused(Ads, () => pool.Client.CancelAsync(chat.Tasks[0].TaskId)));

        // The deployment's own replacements and scaling are grain messages: the owner's scale goes through.
        Assert.Equal(2, (await As(Search, () => pool.Client.ScaleAsync("chat", 2))).Replicas);
        Assert.Equal(1, (await pool.Client.GetDeploymentAsync("chat"))!.Revision);
        Assert.Null(await pool.Client.GetDeploymentAsync("chat-ads"));
    }

    [Fact]
    public async Task Tokens_are_read_again_when_the_settings_change_and_broken_ones_leave_the_last_good_in_force()
    {
        await using var pool = await StartAsync();
        Assert.Equal(2, (await As(Search, () => pool.Client.GetPoolAsync())).Nodes.Length);

        // The search team's token rotated: the old one is refused at once, the new one taken.
        var rotated = AccessToken.New();
        pool.Configuration["Orion:Access:Tokens:1:Sha256"] = AccessToken.Hash(rotated);
        pool.Configuration.Reload();
        Assert.Contains("needs an access token", await Refused(Search, () => pool.Client.GetPoolAsync()));
        Assert.Equal(2, (await As(rotated, () => pool.Client.GetPoolAsync())).Nodes.Length);

        // A change that breaks a rule is not taken: the tokens in force stay (and a broken pool setting is not read again).
        pool.Configuration["Orion:Access:Tokens:1:Role"] = "root";
        pool.Configuration["Orion:Access:Tokens:2:Sha256"] = AccessToken.Hash(Search);
        pool.Configuration["Orion:Pool:Policy"] = "bestfit";
        pool.Configuration.Reload();
        Assert.Equal(2, (await As(rotated, () => pool.Client.GetPoolAsync())).Nodes.Length);
        Assert.Contains("needs an access token", await Refused(Search, () => pool.Client.GetPoolAsync()));
        Assert.Equal(2, (await As(Ads, () => pool.Client.GetPoolAsync())).Nodes.Length);
    }

    [Fact]
    public async Task A_tasks_environment_values_are_shown_to_its_tenant_and_admins_only()
    {
        await using var pool = await StartAsync();
        var spec = Specs.Batch(tenant: "search") with
        {
            Workload = WorkloadSpec.Process("python serve.py") with { Environment = ImmutableDictionary<string, string>.Empty.Add("HF_TOKEN", "hf_secret") },
        };
        await As(Search, () => pool.Client.SubmitAsync(spec, "serve"));
        string? Seen(VGpuTaskStatus? status) => status?.Spec.Workload.Environment?["HF_TOKEN"];

        Assert.Equal("hf_secret", Seen(await As(Search, () => pool.Client.GetAsync("serve"))));
        Assert.Equal("hf_secret", Seen(await As(Admin, () => pool.Client.GetAsync("serve"))));
        Assert.Equal("(hidden)", Seen(await As(Ads, () => pool.Client.GetAsync("serve"))));
        Assert.Equal("(hidden)", Seen(await As(Viewer, () => pool.Client.GetAsync("serve"))));
        Assert.Equal("(hidden)", Seen(Assert.Single(await As(Ads, () => pool.Client.ListAsync(new TaskQuery(Tenant: "search"))))));
        Assert.Equal("hf_secret", Seen(Assert.Single(await As(Search, () => pool.Client.ListAsync(new TaskQuery(Tenant: "search"))))));
    }

    [Fact]
    public async Task A_token_issued_through_the_pool_is_taken_by_every_silo_at_once_until_it_expires_or_is_revoked()
    {
        await using var pool = await StartAsync(clusterSecret: "a secret every silo of this cluster shares");
        var second = await pool.StartSiloAsync("dc2");

        // A tenant's token cannot make itself an admin's; a viewer lists none.
        Assert.Equal(
            "token 'search-ci' (tenant search) may not call IAccessTokenGrain.Issue on what is no tenant's: only an admin token may",
            await Refused(Search, () => pool.Client.IssueTokenAsync("mine", "admin")));
        Assert.Contains("IAccessTokenGrain.List: only its tenant's token or an admin token may", await Refused(Viewer, () => pool.Client.ListTokensAsync()));

        var issued = await pool.Client.IssueTokenAsync("search-nightly", "tenant", tenant: "search", validFor: TimeSpan.FromHours(12));
        Assert.Equal(new IssuedToken("search-nightly", "tenant", "search", null, AccessToken.Hash(issued.Token), pool.Clock.GetUtcNow(), "token 'ops' (admin)",
            pool.Clock.GetUtcNow().AddHours(12)), issued.Issued);

        // Taken at once, with its tenant's rights only, on this silo and the other one.
        Assert.Equal("token 'search-nightly' (tenant search), expires 2026-11-30 10:00:00Z", await As(issued.Token, () => pool.Client.WhoAmIAsync()));
        Assert.Contains("with a spec of tenant ads", await Refused(issued.Token, () => pool.Client.SubmitAsync(Specs.Batch(tenant: "ads"))));
        var onSecond = pool.Cluster.GetSiloServiceProvider(second).GetRequiredService<Orion.Grains.Access.AccessTokens>();
        Assert.Equal("search-nightly", (await onSecond.Resolve(issued.Token)).Principal?.Name);
        Assert.Equal(["search-nightly"], (await pool.Client.ListTokensAsync()).Select(t => t.Name));

        // A name already issued, or a broken value, is refused naming its field; nothing changes.
        Assert.StartsWith("token.Name must be unique among the issued tokens", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.IssueTokenAsync("search-nightly", "viewer"))).Message);
        Assert.StartsWith("token.Tenant is needed", (await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.IssueTokenAsync("x", "tenant"))).Message);
        Assert.Single(await pool.Client.ListTokensAsync());


        // Expired on the pool's clock: refused by name, and listed until revoked.
        pool.Advance(TimeSpan.FromHours(12));
        Assert.Equal(
            "token 'search-nightly' (tenant search) expired at 2026-11-30 10:00:00Z; an admin issues a new one (orion token issue)",
            await Refused(issued.Token, () => pool.Client.GetPoolAsync()));

        // Revoked: every silo refuses it within the settings' age (1 s).
        var fleet = await pool.Client.IssueTokenAsync("fleet-viewer", "viewer");
        Assert.Equal(2, (await As(fleet.Token, () => pool.Client.GetPoolAsync())).Nodes.Length);
        Assert.Equal("fleet-viewer", (await pool.Client.RevokeTokenAsync("fleet-viewer"))?.Name);
        Assert.Null(await pool.Client.RevokeTokenAsync("fleet-viewer"));
        await pool.EventuallyAsync(async () => Assert.Contains("needs an access token", await Refused(fleet.Token, () => pool.Client.GetPoolAsync())));
        await pool.EventuallyAsync(async () => Assert.Equal(default, await onSecond.Resolve(fleet.Token)));
        Assert.Equal(["search-nightly"], (await pool.Client.ListTokensAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task A_tenants_own_token_issues_lists_and_revokes_its_tenants_tokens_and_no_others()
    {
        await using var pool = await StartAsync();
        var viewer = await pool.Client.IssueTokenAsync("dash", "viewer");
        var ads = await pool.Client.IssueTokenAsync("ads-cron", "tenant", tenant: "ads");

        // The search team issues its CI token itself: it is the search tenant's, and says who issued it.
        var ci = await As(Search, () => pool.Client.IssueTokenAsync("search-cron", "tenant", tenant: "search"));
        Assert.Equal("token 'search-ci' (tenant search)", ci.Issued.IssuedBy);
        Assert.Equal("token 'search-cron' (tenant search)", await As(ci.Token, () => pool.Client.WhoAmIAsync()));

        // Nothing beyond its own tenant: no other tenant's token, no other role, no other tenant's revocation.
        Assert.Equal(
            "token 'search-ci' (tenant search) may not call IAccessTokenGrain.Issue on what tenant ads owns",
            await Refused(Search, () => pool.Client.IssueTokenAsync("sneaky", "tenant", tenant: "ads")));
        Assert.Contains("on what is no tenant's", await Refused(Search, () => pool.Client.IssueTokenAsync("fleet", "node")));
        Assert.Contains("on what tenant ads owns", await Refused(Search, () => pool.Client.RevokeTokenAsync("ads-cron")));
        Assert.Contains("on what is no tenant's", await Refused(Search, () => pool.Client.RevokeTokenAsync("dash")));

        // It lists its own tenant's tokens only; the admin lists all.
        Assert.Equal(["search-cron"], (await As(Search, () => pool.Client.ListTokensAsync())).Select(t => t.Name));
        Assert.Equal(["ads-cron", "dash", "search-cron"], (await pool.Client.ListTokensAsync()).Select(t => t.Name));

        // It rotates its own: the new one is taken at once, the old one refused; not another tenant's.
        var rotated = await As(Search, () => pool.Client.RotateTokenAsync("search-cron"));
        Assert.Equal(("search-cron", "search", "token 'search-ci' (tenant search)"), (rotated!.Issued.Name, rotated.Issued.Tenant, rotated.Issued.IssuedBy));
        Assert.Equal("token 'search-cron' (tenant search)", await As(rotated.Token, () => pool.Client.WhoAmIAsync()));
        await pool.EventuallyAsync(async () => Assert.Contains("needs an access token", await Refused(ci.Token, () => pool.Client.WhoAmIAsync())));
        Assert.Contains("on what tenant ads owns", await Refused(Search, () => pool.Client.RotateTokenAsync("ads-cron")));
        Assert.Null(await pool.Client.RotateTokenAsync("nobody"));
        ci = rotated;

        // A token it issues does not outlive it.
        var temporary = await pool.Client.IssueTokenAsync("search-temp", "tenant", tenant: "search", validFor: TimeSpan.FromHours(1));
        var child = await As(temporary.Token, () => pool.Client.IssueTokenAsync("search-child", "tenant", tenant: "search"));
        Assert.Equal(temporary.Issued.ExpiresAt, child.Issued.ExpiresAt);
        Assert.Null(ci.Issued.ExpiresAt);
        await pool.Client.RevokeTokenAsync("search-temp");
        await pool.Client.RevokeTokenAsync("search-child");

        // And revokes its own.
        Assert.Equal("search-cron", (await As(ci.Token, () => pool.Client.RevokeTokenAsync("search-cron")))?.Name);
        Assert.Equal(["ads-cron", "dash"], (await pool.Client.ListTokensAsync()).Select(t => t.Name));
        Assert.Equal("token 'dash' (viewer)", await As(viewer.Token, () => pool.Client.WhoAmIAsync()));
        Assert.Equal("token 'ads-cron' (tenant ads)", await As(ads.Token, () => pool.Client.WhoAmIAsync()));
    }

    [Fact]
    public async Task A_tenants_token_over_the_call_rate_is_told_to_slow_down_and_admins_and_nodes_are_not_limited()
    {
        await using var pool = await StartAsync(callsPerSecond: "0.5");

        // A burst of one (twice 0.5), then one call each two seconds: the second at once is not made.
        Assert.Equal("token 'search-ci' (tenant search)", await As(Search, () => pool.Client.WhoAmIAsync()));
        var slowDown = await Assert.ThrowsAsync<CallRateExceededException>(() => As(Search, () => pool.Client.WhoAmIAsync()));
        Assert.Equal("token 'search-ci' (tenant search) is over its rate of 0.5 calls a second (Orion:Access:CallsPerSecond): IPoolGrain.WhoAmI was not called; slow down", slowDown.Message);

        // Each token has its own rate; admins and nodes have none.
        Assert.Equal("token 'ads-ci' (tenant ads)", await As(Ads, () => pool.Client.WhoAmIAsync()));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("token 'ops' (admin)", await pool.Client.WhoAmIAsync());
            Assert.Equal("token 'n0' (node dc1/n0)", await As(NodeZero, () => pool.Client.WhoAmIAsync()));
        }

        await pool.EventuallyAsync(async () => Assert.Equal("token 'search-ci' (tenant search)", await As(Search, () => pool.Client.WhoAmIAsync())));
    }

    [Fact]
    public async Task Issued_tokens_are_refused_once_the_silo_has_not_read_them_for_longer_than_their_max_staleness_and_taken_again_once_it_can()
    {
        var faults = new GrainCallFaults();
        await using var pool = await StartAsync(faults: faults, issuedTokensMaxStale: "00:00:00.3");
        var issued = await pool.Client.IssueTokenAsync("ci", "viewer");
        Assert.Equal("token 'ci' (viewer)", await As(issued.Token, () => pool.Client.WhoAmIAsync()));

        // The token grain cannot be read: the silo's copy ages past 300 ms and the issued token is refused (it may have
        // been revoked meanwhile); the settings' tokens still work.
        faults.Fail("IAccessTokenGrain.Read");
        await pool.EventuallyAsync(async () => Assert.Matches(
            @"^IPoolGrain\.WhoAmI was not called: token 'ci' \(viewer\) cannot be verified now: this silo last read the pool's issued tokens [\d.]+m?s ago, longer than Orion:Access:IssuedTokensMaxStale \(0\.3s\), and may have missed its revocation; try again shortly \(or use a token from the silos' settings\)$",
            await Refused(issued.Token, () => pool.Client.WhoAmIAsync())));
        Assert.Equal("token 'ops' (admin)", await pool.Client.WhoAmIAsync());

        // Readable again: taken at the next call.
        faults.Heal("IAccessTokenGrain.Read");
        Assert.Equal("token 'ci' (viewer)", await As(issued.Token, () => pool.Client.WhoAmIAsync()));
    }

    [Fact]
    public async Task The_feed_says_who_asked_for_each_change_and_names_tokens_never_their_values()
    {
        await using var pool = await StartAsync();
        var spec = Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search");
        await As(Search, () => pool.Client.SubmitAsync(spec, "job"));
        await As(Search, () => pool.Client.SubmitAsync(spec, "other"));
        await pool.WaitForAsync("job", TaskState.Running);
        await pool.WaitForAsync("other", TaskState.Running);
        await As(Search, () => pool.Client.SetPriorityAsync("other", new TaskPriority(PriorityClass.Offline, 3)));
        await As(Search, () => pool.Client.PauseAsync("job", "profiling"));
        await As(Search, () => pool.Client.CancelAsync("job", "not needed"));
        await pool.Client.CordonAsync("dc1/n1", "fan");
        await pool.Client.UncordonAsync("dc1/n1");
        await pool.Client.SetQuotaAsync("search", new TenantQuota(GpuPercent: 400, Tasks: 5));
        await pool.Client.UpdateSettingsAsync(policy: "best-fit");
        await pool.Client.SetDefaultQuotaAsync(new TenantQuota(Tasks: 2));
        var issued = await pool.Client.IssueTokenAsync("nightly", "tenant", tenant: "search");
        await pool.Client.RevokeTokenAsync("nightly");

        const string ByOps = " (by token 'ops' (admin))";
        const string BySearch = " (by token 'search-ci' (tenant search))";
        string[] expected =
        [
            $"priority other @ {(await pool.Client.GetAsync("other"))!.Placement!.NodeId}: Offline → Offline/3{BySearch}",
            $"operator-pause job @ {(await pool.Client.GetAsync("job"))!.Placement!.NodeId}: profiling{BySearch}",
            $"cancel job @ {(await pool.Client.GetAsync("job"))!.Placement!.NodeId}: not needed{BySearch}",
            $"cordon  @ dc1/n1: fan{ByOps}",
            $"uncordon  @ dc1/n1: was cordoned: fan{ByOps}",
            $"quota  @ tenant search: quota set: gpuPercent 400, tasks 5{ByOps}",
            $"settings  @ pool: policy best-fit, compute ×1, memory ×1, evict lower priority off, consolidate off, fair share by holdings now{ByOps}",
            $"settings  @ pool: default quota: tasks 2{ByOps}",
            $"token  @ tokens: issued token 'nightly' (tenant search){ByOps}",
            $"token  @ tokens: revoked token 'nightly' (tenant search){ByOps}",
        ];
        var kinds = new HashSet<string>(["priority", "operator-pause", "cancel", "cordon", "uncordon", "quota", "settings", "token"]);
        await pool.EventuallyAsync(async () => Assert.Equal(
            expected,
            (await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity)).Where(e => kinds.Contains(e.Kind)).Select(e => $"{e.Kind} {e.TaskId} @ {e.Where}: {e.Detail}")));
        Assert.DoesNotContain(
            await pool.Client.GetEventsAsync(0, PoolEvent.FeedCapacity),
            e => e.Detail.Contains(issued.Token, StringComparison.Ordinal) || e.Detail.Contains(issued.Issued.Sha256, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Issued_tokens_outlive_the_token_grains_activation()
    {
        await using var pool = await StartAsync();
        var issued = await pool.Client.IssueTokenAsync("kept", "viewer");
        var grains = pool.Cluster.GetSiloServiceProvider(pool.Cluster.Silos[0].SiloAddress).GetRequiredService<IGrainFactory>();
        var keeper = grains.GetGrain<IAccessTokenGrain>(GrainKeys.Pool);
        Assert.True(await pool.IsActive(keeper.GetGrainId()));
        await keeper.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () => Assert.False(await pool.IsActive(keeper.GetGrainId()), "the token grain is still active"));

        // A fresh activation reads them from storage: listed, and revoked by name.
        Assert.Equal(["kept"], (await pool.Client.ListTokensAsync()).Select(t => t.Name));
        Assert.Equal("token 'kept' (viewer)", await As(issued.Token, () => pool.Client.WhoAmIAsync()));
        Assert.Equal("kept", (await pool.Client.RevokeTokenAsync("kept"))?.Name);
        Assert.Empty(await pool.Client.ListTokensAsync());
    }

    [Fact]
    public async Task A_token_whose_issue_could_not_be_stored_is_not_taken_and_not_listed()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync(storage: storage);
        storage.FailWrites(GrainKeys.Pool);
        await Assert.ThrowsAnyAsync<Exception>(() => pool.Client.IssueTokenAsync("ci", "viewer"));
        Assert.True(storage.FailedWrites > 0);
        storage.Heal();

        Assert.Empty(await pool.Client.ListTokensAsync());
        var again = await pool.Client.IssueTokenAsync("ci", "viewer");
        Assert.Equal("token 'ci' (viewer)", await As(again.Token, () => pool.Client.WhoAmIAsync()));
    }

    [Fact]
    public async Task A_flood_of_refused_calls_does_not_push_the_rest_of_the_pools_feed_out()
    {
        await using var pool = await StartAsync();
        await pool.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search"), "before-the-flood");
        await pool.WaitForAsync("before-the-flood", TaskState.Running);
        var stranger = AccessToken.New();
        for (var i = 0; i < 200; i++)
        {
            await Refused(stranger, () => pool.Client.GetPoolAsync());
        }

        var feed = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 1000);
        var refused = feed.Where(e => e.Kind == PoolEventKinds.AccessRefused).ToList();
        Assert.InRange(refused.Count, Orion.Grains.Access.AccessFilter.FeedBurst, Orion.Grains.Access.AccessFilter.FeedBurst + 10);
        Assert.Contains(feed, e => e.Kind == PoolEventKinds.Placement && e.TaskId == "before-the-flood");
    }

    [Fact]
    public async Task Silos_that_share_the_cluster_secret_take_each_others_own_calls_without_a_token()
    {
        await using var pool = await StartAsync(clusterSecret: "a secret every silo of this cluster shares");
        var second = await pool.StartSiloAsync("dc2");

        // A call of the second silo's own (as its API's), to node dc1/n0's grain, which lives on the first silo (dc1).
        var grains = pool.Cluster.GetSiloServiceProvider(second).GetRequiredService<IGrainFactory>();
        var cordoned = await grains.GetGrain<INodeGrain>("dc1/n0").Cordon("from the second silo");
        Assert.Equal("from the second silo", cordoned!.CordonReason);
        Assert.Equal("from the second silo", (await pool.NodeSnapshot("n0")).CordonReason);
    }
}
