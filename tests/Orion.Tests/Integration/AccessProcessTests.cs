using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>A pool that requires access tokens, as its users meet it: the SDK, the CLI, a daemon process, HTTP and the page in Chromium.</summary>
public sealed class AccessProcessTests(SecuredSilo secured) : IClassFixture<SecuredSilo>
{
    private const string PageAccessCookie = Orion.Silo.Access.PageAccess.Cookie + "=";

    /// <summary>Signs the page in with <paramref name="token"/> through its form.</summary>
    private static async Task SignIn(IPage page, string token)
    {
        await page.Locator("#token").FillAsync(token);
        await page.Locator("#sign-in").ClickAsync();
    }

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
            using var others = await secured.GetAsync("/api/deployments/envy", secured.Ads);
            Assert.Equal(HttpStatusCode.Forbidden, others.StatusCode);
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

        await SignIn(page, AccessToken.New());
        await Assertions.Expect(page.Locator(".refused")).ToHaveTextAsync("The pool does not take that token.");

        await SignIn(page, secured.Search);
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
            await SignIn(page, secured.Viewer);
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

    [Fact]
    public async Task An_admin_issues_lists_and_revokes_a_token_with_the_cli_and_the_pool_takes_it_at_once()
    {
        var issue = await secured.CliAsync("token", "issue", "--role", "tenant", "--tenant", "search", "--name", "search-cron", "--expires", "30d", "--json", "--token", secured.Admin);
        Assert.True(issue.ExitCode == 0, issue.ToString());
        using var issued = JsonDocument.Parse(issue.Out);
        var token = issued.RootElement.GetProperty("token").GetString()!;
        var entry = issued.RootElement.GetProperty("issued");
        Assert.Equal(AccessToken.Hash(token), entry.GetProperty("sha256").GetString());
        Assert.Equal("token 'ops' (admin)", entry.GetProperty("issuedBy").GetString());
        Assert.Equal(TimeSpan.FromDays(30), entry.GetProperty("expiresAt").GetDateTimeOffset() - entry.GetProperty("issuedAt").GetDateTimeOffset());

        // Taken at once by the CLI and the web side alike, as its tenant.
        Assert.Equal(
            $"token 'search-cron' (tenant search), expires {entry.GetProperty("expiresAt").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm:ss}Z",
            (await secured.CliAsync("whoami", "--token", token)).Out.Trim());
        using (var api = await secured.GetAsync("/api/access", token))
        {
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
            Assert.Contains("\"name\":\"search-cron\"", await api.Content.ReadAsStringAsync());
        }

        var list = await secured.CliAsync("token", "list", "--token", secured.Admin);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"search-cron\s.*tenant\s.*search\s.*\d{4}-\d\d-\d\d \d\d:\d\dZ\s.*token 'ops' \(admin\)", list.Out);

        // Only an admin issues an admin's token; a broken value is named; a name issued already is refused.
        var byTenant = await secured.CliAsync("token", "issue", "--role", "admin", "--name", "mine", "--token", token);
        Assert.Equal(1, byTenant.ExitCode);
        Assert.Equal("orion: access denied: token 'search-cron' (tenant search) may not call IAccessTokenGrain.Issue on what is no tenant's: only an admin token may", byTenant.Error.Trim());
        var twice = await secured.CliAsync("token", "issue", "--role", "viewer", "--name", "search-cron", "--token", secured.Admin);
        Assert.Equal(2, twice.ExitCode);
        Assert.Equal("orion: token.Name must be unique among the issued tokens: 'search-cron' is issued already (orion token revoke search-cron first)", twice.Error.Trim());
        var forever = await secured.CliAsync("token", "issue", "--role", "viewer", "--name", "v", "--expires", "soon", "--token", secured.Admin);
        Assert.Equal(2, forever.ExitCode);
        Assert.Contains("--expires: must be a duration such as 90s", forever.Error);

        // Rotated: a new token of the same name and tenant, valid as long as the old one was.
        var rotate = await secured.CliAsync("token", "rotate", "search-cron", "--json", "--token", secured.Admin);
        Assert.True(rotate.ExitCode == 0, rotate.ToString());
        using var rotated = JsonDocument.Parse(rotate.Out);
        var newToken = rotated.RootElement.GetProperty("token").GetString()!;
        Assert.NotEqual(token, newToken);
        Assert.StartsWith("token 'search-cron' (tenant search), expires ", (await secured.CliAsync("whoami", "--token", newToken)).Out.Trim());
        Assert.Equal(1, (await secured.CliAsync("token", "rotate", "nobody", "--token", secured.Admin)).ExitCode);
        token = newToken;

        var revoke = await secured.CliAsync("token", "revoke", "search-cron", "--token", secured.Admin);
        Assert.Equal("revoked token 'search-cron' (tenant search)", revoke.Out.Trim());
        Assert.Equal(1, (await secured.CliAsync("token", "revoke", "search-cron", "--token", secured.Admin)).ExitCode);
        var refused = await secured.CliAsync("whoami", "--token", token);
        for (var i = 0; i < 20 && refused.ExitCode == 0; i++)
        {
            // Every silo refuses it within the settings' age (1 s).
            await Task.Delay(250);
            refused = await secured.CliAsync("whoami", "--token", token);
        }

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("needs an access token", refused.Error);
    }

    [Fact]
    public async Task An_expired_token_is_refused_by_name_by_the_cli_and_the_sign_in_form()
    {
        var whoami = await secured.CliAsync("whoami", "--token", secured.Expired);
        Assert.Equal(1, whoami.ExitCode);
        Assert.Equal("orion: access denied: token 'old-ci' (viewer) expired at 2026-01-01 00:00:00Z; an admin issues a new one (orion token issue)", whoami.Error.Trim());

        using var signIn = await secured.Http.PostAsync(secured.Url("/login"), new FormUrlEncodedContent([new("token", secured.Expired)]));
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        Assert.Contains("That token expired at 2026-01-01 00:00:00Z; ask an admin for a new one.", await signIn.Content.ReadAsStringAsync());
        Assert.False(signIn.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(PageAccessCookie, StringComparison.Ordinal)));
        using var api = await secured.GetAsync("/api/pool", secured.Expired);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task The_web_side_tells_a_token_over_its_call_rate_to_slow_down_with_429()
    {
        var (admin, viewer) = (AccessToken.New(), AccessToken.New());
        await using var silo = SiloProcess.Start(
            "--Orion:Access:Required=true", "--Orion:Access:CallsPerSecond=0.5",
            "--Orion:Access:Tokens:0:Name=ops", "--Orion:Access:Tokens:0:Role=admin", $"--Orion:Access:Tokens:0:Sha256={AccessToken.Hash(admin)}",
            "--Orion:Access:Tokens:1:Name=grafana", "--Orion:Access:Tokens:1:Role=viewer", $"--Orion:Access:Tokens:1:Sha256={AccessToken.Hash(viewer)}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
        async Task<HttpResponseMessage> Get(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(silo.BaseAddress, "/api/access"));
            request.Headers.Authorization = new("Bearer", token);
            return await http.SendAsync(request);
        }

        using (var first = await Get(viewer))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var second = await Get(viewer))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.Equal("2", second.Headers.GetValues("Retry-After").Single());
            Assert.Contains("token 'grafana' (viewer) is over its rate of 0.5 calls a second", await second.Content.ReadAsStringAsync());
        }

        for (var i = 0; i < 10; i++)
        {
            using var ok = await Get(admin);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    [Fact]
    public async Task Each_tenant_sees_its_own_work_through_the_api_the_cli_and_the_page_and_a_viewer_sees_all()
    {
        await using var search = await secured.ConnectAsync(secured.Search);
        await using var ads = await secured.ConnectAsync(secured.Ads);
        var mine = await search.SubmitAsync(Specs.Batch(computePercent: 20, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: "search"));
        var theirs = await ads.SubmitAsync(Specs.Batch(computePercent: 30, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: "ads"));
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await search.WaitForStateAsync(mine.TaskId, [TaskState.Running], patience.Token);
            await ads.WaitForStateAsync(theirs.TaskId, [TaskState.Running], patience.Token);

            async Task<JsonElement> Json(string path, string token)
            {
                // The page's summary is refreshed every 200 ms: read until both tasks are in it.
                for (var i = 0; ; i++)
                {
                    using var viewed = await secured.GetAsync("/api/tasks", secured.Viewer);
                    var all = await viewed.Content.ReadAsStringAsync();
                    if ((all.Contains(mine.TaskId, StringComparison.Ordinal) && all.Contains(theirs.TaskId, StringComparison.Ordinal)) || i == 100)
                    {
                        break;
                    }

                    await Task.Delay(100);
                }

                using var response = await secured.GetAsync(path, token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            }

            string[] TaskIds(JsonElement tasks) => [.. tasks.EnumerateArray().Select(t => t.GetProperty("taskId").GetString()!).Where(id => id == mine.TaskId || id == theirs.TaskId)];

            Assert.Equal([mine.TaskId], TaskIds(await Json("/api/tasks", secured.Search)));
            Assert.Equal([theirs.TaskId], TaskIds(await Json("/api/tasks", secured.Ads)));
            Assert.Equal(new[] { mine.TaskId, theirs.TaskId }.Order(), TaskIds(await Json("/api/tasks", secured.Viewer)).Order());

            // The card: ads' slice is not listed, its room still counts as taken.
            var card = (await Json("/api/cards", secured.Search)).EnumerateArray().Single();
            Assert.Equal([mine.TaskId], card.GetProperty("slices").EnumerateArray().Select(s => s.GetProperty("taskId").GetString()).Where(id => id == mine.TaskId || id == theirs.TaskId));
            Assert.True(card.GetProperty("computeAllocatedMilli").GetInt32() >= 500, card.ToString());

            // Another tenant's task, its work asked for by name, or its events: refused or left out.
            using (var refused = await secured.GetAsync($"/api/tasks/{theirs.TaskId}", secured.Search))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
                Assert.Equal(
                    $"token 'search-ci' (tenant search) may not read task {theirs.TaskId}: this pool keeps tenants apart (Orion:Access:TenantReads is Own).",
                    problem.RootElement.GetProperty("title").GetString());
            }

            foreach (var path in new[] { "/api/pool?tenant=ads", "/api/tasks?tenant=ads", "/api/usage?tenant=ads", "/api/tenants/ads" })
            {
                using var response = await secured.GetAsync(path, secured.Search);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {response.StatusCode}");
            }

            Assert.DoesNotContain((await Json("/api/events?limit=500", secured.Search)).EnumerateArray(), e => e.GetProperty("taskId").GetString() == theirs.TaskId);
            Assert.Contains((await Json("/api/events?limit=500", secured.Viewer)).EnumerateArray(), e => e.GetProperty("taskId").GetString() == theirs.TaskId);

            // The CLI through the grains: the same narrowing.
            var listed = await secured.CliAsync("ls", "--token", secured.Search);
            Assert.True(listed.ExitCode == 0, listed.ToString());
            Assert.Contains(mine.TaskId, listed.Out);
            Assert.DoesNotContain(theirs.TaskId, listed.Out);
            var get = await secured.CliAsync("get", theirs.TaskId, "--token", secured.Search);
            Assert.Equal(1, get.ExitCode);
            Assert.Contains("this pool keeps tenants apart", get.Error);

            // The page, signed in as ads: its task, not search's.
            var (playwright, browser, page) = await PoolPageBrowser.LaunchAsync();
            using var _ = playwright;
            await using var __ = browser;
            await page.GotoAsync(secured.Url("/").ToString());
            await SignIn(page, secured.Ads);
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{theirs.TaskId}']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{mine.TaskId}']")).ToHaveCountAsync(0);

            // Its card draws search's room as taken by others, not as free, and names none of it.
            await Assertions.Expect(page.Locator(".card .bar.compute .seg.others")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator($".card .bar.compute .seg[data-task='{mine.TaskId}']")).ToHaveCountAsync(0);
            // Search's 20% of a card, of the card's allocatable compute (another test of this silo may change the oversubscription live).
            Assert.InRange(await page.Locator(".card .bar.compute .seg.others").EvaluateAsync<double>("e => parseFloat(e.style.width)"), 200.0 * 100 / 2000 - 0.1, 200.0 * 100 / 1000 + 0.1);
            await Assertions.Expect(page.Locator(".card .bar.compute .seg.others")).ToHaveAttributeAsync("title", "held by other tenants' tasks");
        }
        finally
        {
            await search.CancelAsync(mine.TaskId);
            await ads.CancelAsync(theirs.TaskId);
        }
    }

    [Fact]
    public async Task Metrics_say_how_long_each_token_has_until_it_expires_so_an_alert_comes_before_it_does()
    {
        await using var admin = await secured.ConnectAsync(secured.Admin);
        var issued = await admin.IssueTokenAsync("metrics-ci", "viewer", validFor: TimeSpan.FromDays(30));
        try
        {
            IReadOnlyList<PrometheusSample> expiries = [];
            for (var i = 0; i < 100 && !expiries.Any(s => s.Labels["orion_access_token"] == "metrics-ci"); i++)
            {
                await Task.Delay(100);
                expiries = [.. PrometheusSample.Parse(await secured.Http.GetStringAsync(secured.Url("/metrics"))).Where(s => s.Name == "orion_access_token_expires_in_seconds")];
            }

            // The settings' token that expired on 2026-01-01 reads negative; the one just issued about 30 days; tokens without an expiry are not listed.
            var old = Assert.Single(expiries, s => s.Labels["orion_access_token"] == "old-ci");
            Assert.True(old.Value < 0, $"{old.Value}");
            Assert.Equal(("viewer", "settings"), (old.Labels["orion_access_role"], old.Labels["orion_access_source"]));
            var fresh = Assert.Single(expiries, s => s.Labels["orion_access_token"] == "metrics-ci");
            Assert.InRange(fresh.Value, TimeSpan.FromDays(29).TotalSeconds, TimeSpan.FromDays(30).TotalSeconds);
            Assert.Equal("issued", fresh.Labels["orion_access_source"]);
            Assert.DoesNotContain(expiries, s => s.Labels["orion_access_token"] == "ops");
        }
        finally
        {
            await admin.RevokeTokenAsync(issued.Issued.Name);
        }
    }

    [Fact]
    public async Task An_admin_lists_the_settings_tokens_never_their_hashes_and_nobody_else_may()
    {
        var json = await secured.CliAsync("token", "list", "--settings", "--json", "--token", secured.Admin);
        Assert.True(json.ExitCode == 0, json.ToString());
        var tokens = JsonSerializer.Deserialize<ConfiguredToken[]>(json.Out, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(["ads-ci", "gpu-1", "grafana", "old-ci", "ops", "search-ci"], tokens.Select(t => t.Name));
        Assert.Equal(("tenant", "search", (DateTimeOffset?)null), tokens.Where(t => t.Name == "search-ci").Select(t => (t.Role, t.Tenant, t.ExpiresAt)).Single());
        Assert.Equal(("node", "dc1/gpu-1"), tokens.Where(t => t.Name == "gpu-1").Select(t => (t.Role, t.Node)).Single());
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), tokens.Single(t => t.Name == "old-ci").ExpiresAt);
        Assert.DoesNotContain(AccessToken.Hash(secured.Admin), json.Out, StringComparison.OrdinalIgnoreCase);

        var table = await secured.CliAsync("token", "list", "--settings", "--token", secured.Admin);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("(expired)", table.Out);

        var refused = await secured.CliAsync("token", "list", "--settings", "--token", secured.Search);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(
            "orion: access denied: token 'search-ci' (tenant search) may not call IAccessTokenGrain.ListConfigured: only an admin token may",
            refused.Error.Trim());
    }
}
