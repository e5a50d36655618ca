using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>A pool that requires access tokens, as its users meet it: the SDK, the CLI, a daemon process, HTTP and the page in Chromium.</summary>
public sealed class AccessProcessTests(SecuredSilo secured) : IClassFixture<SecuredSilo>
{
    [Fact]
    public async Task A_tenant_token_runs_its_tenants_tasks_on_a_daemon_that_joined_with_its_nodes_token()
    {
        await using var search = await secured.ConnectAsync(secured.Search);
        var task = await search.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 2048, items: 2, gpuMsPerItem: 50, tenant: "search"));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Started and ended by the daemon's own reports, which its token lets it send for its node.
        var done = await search.WaitForStateAsync(task.TaskId, [TaskState.Completed], patience.Token);
        Assert.Equal("dc1/gpu-1", done.Placement!.NodeId);

        // Its log is its tenant's to read, not a viewer's.
        async Task<HttpStatusCode> LogAs(string token)
        {
            using var response = await secured.GetAsync($"/api/tasks/{task.TaskId}/log", token);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await LogAs(secured.Search));
        Assert.Equal(HttpStatusCode.Forbidden, await LogAs(secured.Viewer));

        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => search.SubmitAsync(Specs.Batch(tenant: "ads")));
        Assert.Equal("token 'search-ci' (tenant search) may not call IVGpuTaskGrain.Submit with a spec of tenant ads", refused.Message);

        await using var anonymous = await secured.ConnectAsync(null);
        Assert.Contains("needs an access token", (await Assert.ThrowsAsync<UnauthorizedAccessException>(() => anonymous.GetAsync(task.TaskId))).Message);
    }

    [Fact]
    public async Task The_cli_says_access_denied_in_one_line_and_does_what_its_token_may()
    {
        var none = await secured.CliAsync("nodes");
        Assert.Equal(1, none.ExitCode);
        Assert.Equal(
            "orion: access denied: IPoolGrain.GetNodes needs an access token (OrionClientOptions.Token, --token or $ORION_TOKEN); none or an unknown one was given",
            none.Error.Trim());

        var tenant = await secured.CliAsync("config", "--policy", "best-fit", "--token", secured.Search);
        Assert.Equal(1, tenant.ExitCode);
        Assert.Equal("orion: access denied: token 'search-ci' (tenant search) may not call IPoolSettingsGrain.Update: only an admin token may", tenant.Error.Trim());

        var whoami = await secured.CliAsync("whoami", "--token", secured.Search);
        Assert.Equal("token 'search-ci' (tenant search)", whoami.Out.Trim());

        var nodes = await secured.CliAsync("nodes", "--json", "--token", secured.Search);
        Assert.Equal(0, nodes.ExitCode);
        Assert.Contains("dc1/gpu-1", nodes.Out);

        var admin = await secured.CliAsync("config", "--oversubscription", "1.5", "--token", secured.Admin);
        Assert.True(admin.ExitCode == 0, admin.ToString());
        Assert.Contains("×1.5", admin.Out);

        // Who changed what is in the silo's log.
        for (var i = 0; i < 50 && !secured.Silo.Output.Contains("token 'ops' (admin) called IPoolSettingsGrain.Update on poolsettings/pool", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains("token 'ops' (admin) called IPoolSettingsGrain.Update on poolsettings/pool", secured.Silo.Output);
    }

    [Fact]
    public async Task A_daemon_with_another_nodes_token_is_refused_and_exits()
    {
        await using var daemon = secured.StartDaemon("gpu-2");
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, daemon.ExitCode);
        Assert.Contains("orion-daemon: the pool refused node dc1/gpu-2: token 'gpu-1' (node dc1/gpu-1) may not call INodeGrain.Register on node dc1/gpu-2", daemon.Output);
    }

    [Fact]
    public async Task The_web_side_needs_a_token_but_for_health_and_metrics_and_the_dashboard_an_admins()
    {
        async Task<HttpStatusCode> Get(string path, string? token)
        {
            using var response = await secured.GetAsync(path, token);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await Get("/api/pool", null));
        Assert.Equal(HttpStatusCode.Unauthorized, await Get("/api/tasks", AccessToken.New()));
        Assert.Equal(HttpStatusCode.Unauthorized, await Get("/", null));
        Assert.Equal(HttpStatusCode.OK, await Get("/api/pool", secured.Search));
        Assert.Equal(HttpStatusCode.OK, await Get("/health", null));
        Assert.Equal(HttpStatusCode.OK, await Get("/metrics", null));
        Assert.Equal(HttpStatusCode.Forbidden, await Get("/dashboard/", secured.Search));
        Assert.Equal(HttpStatusCode.OK, await Get("/dashboard/", secured.Admin));

        using var refused = await secured.Http.GetAsync(secured.Url("/api/nodes"));
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("This pool requires an access token: Authorization: Bearer <token>, or sign in at /.", problem.RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_api_shows_a_deployments_environment_values_to_its_tenant_only()
    {
        await using var search = await secured.ConnectAsync(secured.Search);
        var spec = Specs.Batch(tenant: "search") with
        {
            Workload = WorkloadSpec.Process("python serve.py") with { Environment = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("HF_TOKEN", "hf_secret") },
        };
        await search.DeployAsync("envy", spec, 1);
        try
        {
            async Task<string?> Seen(string token)
            {
                using var response = await secured.GetAsync("/api/deployments/envy", token);
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return json.RootElement.GetProperty("template").GetProperty("workload").GetProperty("environment").GetProperty("HF_TOKEN").GetString();
            }

            Assert.Equal("hf_secret", await Seen(secured.Search));
            Assert.Equal("hf_secret", await Seen(secured.Admin));
            Assert.Equal("(hidden)", await Seen(secured.Viewer));
        }
        finally
        {
            await search.DeleteDeploymentAsync("envy");
        }
    }

    [Fact]
    public async Task The_pool_page_asks_for_a_token_and_is_live_once_signed_in()
    {
        var (playwright, browser, page) = await PoolPageBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await page.GotoAsync(secured.Url("/").ToString());

        await page.Locator("#token").FillAsync(AccessToken.New());
        await page.Locator("#sign-in").ClickAsync();
        await Assertions.Expect(page.Locator(".refused")).ToHaveTextAsync("The pool does not take that token.");

        await page.Locator("#token").FillAsync(secured.Search);
        await page.Locator("#sign-in").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("live");
        await Assertions.Expect(page.Locator("#pool")).ToContainTextAsync("gpu-1");

        // The token is kept where the page's script cannot read it; the page says whose it is, and signs out.
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "orion-token");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        await Assertions.Expect(page.Locator("#access-who")).ToHaveTextAsync("token 'search-ci' (tenant search)");
        await page.Locator("#sign-out").ClickAsync();
        await Assertions.Expect(page.Locator("#token")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "orion-token");
    }

    [Fact]
    public async Task The_pool_page_of_a_viewer_shows_a_tenants_task_but_says_its_log_is_not_the_viewers()
    {
        await using var search = await secured.ConnectAsync(secured.Search);
        var task = await search.SubmitAsync(Specs.Batch(computePercent: 20, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: "search"));
        try
        {
            var (playwright, browser, page) = await PoolPageBrowser.LaunchAsync();
            using var _ = playwright;
            await using var __ = browser;
            await page.GotoAsync(secured.Url("/").ToString());
            await page.Locator("#token").FillAsync(secured.Viewer);
            await page.Locator("#sign-in").ClickAsync();
            await Assertions.Expect(page.Locator("#access-who")).ToHaveTextAsync("token 'grafana' (viewer)");

            await page.Locator($"#tasks tr[data-task='{task.TaskId}'] button.show-log").ClickAsync();
            await Assertions.Expect(page.Locator("#log")).ToHaveTextAsync(
                "token 'grafana' (viewer) may not read the log of a task of tenant search: only its tenant's tokens and admins may.");
        }
        finally
        {
            await search.CancelAsync(task.TaskId);
        }
    }

    [Fact]
    public async Task The_cli_makes_a_token_and_the_entry_a_silo_takes_for_it()
    {
        var run = await LiveSilo.RunCliAsync("token", "new", "--role", "tenant", "--tenant", "search", "--name", "ci", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var token = json.RootElement.GetProperty("token").GetString()!;
        Assert.StartsWith("orion_", token);
        var entry = json.RootElement.GetProperty("entry");
        Assert.Equal(
            new Dictionary<string, string> { ["Name"] = "ci", ["Role"] = "tenant", ["Tenant"] = "search", ["Sha256"] = AccessToken.Hash(token) },
            entry.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));

        var bad = await LiveSilo.RunCliAsync("token", "new", "--role", "tenant");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("orion: --tenant is needed for a token of role tenant, and must be 1 to 100 characters, not blank", bad.Error.Trim());
    }
}
