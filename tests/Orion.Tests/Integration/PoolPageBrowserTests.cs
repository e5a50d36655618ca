using System.Collections.Immutable;
using Microsoft.Playwright;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>The pool page in a real headless Chromium (Debian's, never a downloaded one), updating live over server-sent events.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class PoolPageBrowserTests(LiveSilo live)
{
    private Task<(IPlaywright Playwright, IBrowser Browser, IPage Page)> OpenAsync() => PoolPageBrowser.OpenAsync(live);

    [Fact]
    public async Task A_tasks_earlier_run_is_listed_with_why_it_ended_and_its_log_is_read()
    {
        var (playwright, browser, page) = await OpenAsync();
        using var _ = playwright;
        await using var __ = browser;
        var task = await live.Client.SubmitAsync(Specs.Batch(computePercent: 20, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 10_000_000, tenant: "page-runs", name: "page-runs"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = await live.Client.WaitForStateAsync(task.TaskId, [TaskState.Running], timeout.Token);
        var card = first.Placement!.GpuIds[0];
        try
        {
            // Its card drained: the run ends there and the task runs again elsewhere, as run 2.
            Assert.Equal([task.TaskId], (await live.Client.DrainCardAsync(card, "page check")).Evicted);
            await live.Client.WaitForStateAsync(task.TaskId, [TaskState.Running], timeout.Token);

            await page.Locator($"#tasks tr[data-task='{task.TaskId}'] button.show-log").ClickAsync();
            await Assertions.Expect(page.Locator("#log-runs button.run.current")).ToHaveTextAsync("current run (2)");
            var earlier = page.Locator("#log-runs button.run[data-generation='1']");
            await Assertions.Expect(earlier).ToContainTextAsync($"run 1 on {first.Placement.NodeId}: evicted from {first.Placement.NodeId}: card {card} is drained: page check");
            await earlier.ClickAsync();
            await Assertions.Expect(page.Locator("#log-task")).ToHaveTextAsync($"{task.TaskId} (run 1)");
            await Assertions.Expect(page.Locator("#log")).ToContainTextAsync($"on {card}, 20% of the card");
            await Assertions.Expect(page.Locator("#log")).ToContainTextAsync("stopped after");
        }
        finally
        {
            await live.Client.UncordonCardAsync(card);
            await live.Client.CancelAsync(task.TaskId);
        }
    }

    [Fact]
    public async Task A_submitted_task_appears_on_its_card_and_changes_state_without_a_reload()
    {
        var (playwright, browser, page) = await OpenAsync();
        using var _ = playwright;
        await using var __ = browser;
        await Assertions.Expect(page.Locator(".node")).ToHaveCountAsync(4);

        // A pool that asks for no token shows no one signed in.
        Assert.Equal("{\"required\":false}", await page.EvaluateAsync<string>("fetch('/api/access').then(r => r.text())"));
        await Assertions.Expect(page.Locator("#access")).ToBeHiddenAsync();

        // A broken card says what broke; no other card is marked.
        await Assertions.Expect(page.Locator(".card.faulted")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".card[data-gpu='dc1/node-3/0'] .fault")).ToHaveTextAsync("faulted: " + LiveSilo.BrokenCard);

        // A card an operator cordons says so, live, and stops saying so once uncordoned.
        await live.Client.CordonCardAsync("dc1/node-2/0", "page check");
        try
        {
            await Assertions.Expect(page.Locator(".card.cordoned[data-gpu='dc1/node-2/0'] .card-cordon")).ToHaveTextAsync("cordoned: page check");
        }
        finally
        {
            await live.Client.UncordonCardAsync("dc1/node-2/0");
        }

        await Assertions.Expect(page.Locator(".card.cordoned")).ToHaveCountAsync(0);

        // A node's labels show on it; a node without any shows none.
        await Assertions.Expect(page.Locator(".node[data-node='dc1/node-1'] .node-label")).ToHaveTextAsync("zone=b");
        await Assertions.Expect(page.Locator(".node[data-node='dc1/node-0'] .node-label")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".node[data-node='dc1/node-2'] .node-taint")).ToHaveTextAsync("dedicated=ci");
        await Assertions.Expect(page.Locator(".node[data-node='dc1/node-1'] .node-taint")).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => window.__sameDocument = true");

        var tenant = "page-" + Guid.NewGuid().ToString("N")[..6];
        var task = await live.Client.SubmitAsync(Specs.Batch(computePercent: 40, gpuMemoryMiB: 12_288, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-batch"));
        try
        {
            var row = page.Locator($"#tasks tr[data-task='{task.TaskId}']");
            await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "Running");
            var gpu = (await live.Client.GetAsync(task.TaskId))!.Placement!.GpuIds[0];
            var segment = page.Locator($".card[data-gpu='{gpu}'] .bar.compute .seg[data-task='{task.TaskId}']");
            await Assertions.Expect(segment).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($".card[data-gpu='{gpu}'] .bar.memory .seg[data-task='{task.TaskId}']")).ToBeVisibleAsync();

            // What the card's daemon measured at its last heartbeat: at least the 40% batch.
            await Assertions.Expect(page.Locator($".card[data-gpu='{gpu}'] .measured")).ToContainTextAsync(
                new System.Text.RegularExpressions.Regex("measured: busy (4[0-9]|[5-9][0-9]|100)%, [0-9.]+ GiB in use"));
            await Assertions.Expect(page.Locator("#events li[data-kind='placement']").Filter(new() { HasText = task.TaskId })).ToHaveCountAsync(1);

            // Its log, from its node's daemon, in a panel that follows it; closed, the panel goes.
            await Assertions.Expect(page.Locator("#log-panel")).ToBeHiddenAsync();
            await row.Locator("button.show-log").ClickAsync();
            await Assertions.Expect(page.Locator("#log-task")).ToHaveTextAsync(task.TaskId);
            await Assertions.Expect(page.Locator("#log")).ToContainTextAsync($"started: a batch of 1 item at 10000000 GPU-ms each on {gpu}, 40% of the card");
            await page.Locator("#log-close").ClickAsync();
            await Assertions.Expect(page.Locator("#log-panel")).ToBeHiddenAsync();

            // The tenant filter hides other tenants' slices and keeps this one.
            await page.SelectOptionAsync("#f-tenant", tenant);
            await Assertions.Expect(page.Locator("#tasks tbody tr")).ToHaveCountAsync(1);

            // A task over its tenant's quota shows why it waits, and stops showing it once admitted.
            await live.Client.SetQuotaAsync(tenant, new TenantQuota(Tasks: 1, Weight: 2.5));
            var waiting = await live.Client.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-waits"));
            var quota = page.Locator($"#tasks tr[data-task='{waiting.TaskId}'] .state.quota");
            await Assertions.Expect(quota).ToHaveTextAsync("waiting for quota");
            await Assertions.Expect(quota).ToHaveAttributeAsync("title", $"tenant '{tenant}' would pass its quota of 1 live tasks: 1 live");
            var quotaRow = page.Locator($"#quotas tr[data-tenant='{tenant}']");
            await Assertions.Expect(quotaRow.Locator(".waiting")).ToHaveTextAsync("1");
            await Assertions.Expect(quotaRow).ToContainTextAsync("1 / 1");
            await Assertions.Expect(quotaRow.Locator(".weight")).ToHaveTextAsync("2.5");
            await Assertions.Expect(quotaRow.Locator(".max-priority")).ToHaveTextAsync("any");
            await Assertions.Expect(quotaRow.Locator(".budget")).ToHaveTextAsync("–");

            // Its fair share: 40% of a card and 12 GiB of five cards oversubscribed twice in compute (10,000 milli, 400 GiB):
            // 4% of the pool, 1.6% over its weight, and its waiting task queued.
            var shareRow = page.Locator($"#shares tr[data-tenant='{tenant}']");
            await Assertions.Expect(shareRow.Locator(".share")).ToContainTextAsync("4%");
            await Assertions.Expect(shareRow.Locator(".weighted")).ToHaveTextAsync("1.6%");
            await Assertions.Expect(shareRow.Locator(".queued")).ToHaveTextAsync("1");

            // Past use shows once fair sharing counts it: this tenant's runs have not ended, so it has none yet.
            await Assertions.Expect(shareRow.Locator(".past")).ToHaveTextAsync("–");
            var settings = await live.Client.GetSettingsAsync();
            await live.Client.UpdateSettingsAsync(fairShareHalfLife: TimeSpan.FromDays(7));
            try
            {
                await Assertions.Expect(shareRow.Locator(".past")).ToHaveTextAsync("0%");
                await Assertions.Expect(shareRow.Locator(".weighted")).ToHaveTextAsync("1.6%");
                await ObservabilityTests.Eventually(async () => Assert.Equal(0, Assert.Single(await PastShareSamples(), s => s.Labels.GetValueOrDefault("orion_task_tenant") == tenant).Value));
            }
            finally
            {
                await live.Client.UpdateSettingsAsync(fairShareHalfLife: settings.FairShareHalfLife ?? TimeSpan.Zero);
            }

            // Off: the gauge has no tenants.
            await ObservabilityTests.Eventually(async () => Assert.Empty(await PastShareSamples()));

            if (Environment.GetEnvironmentVariable("ORION_SCREENSHOT") is { Length: > 0 } shot)
            {
                await page.SelectOptionAsync("#f-tenant", "");
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
                await page.SelectOptionAsync("#f-tenant", tenant);
            }

            await live.Client.CancelAsync(task.TaskId);
            await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "Cancelled");
            await Assertions.Expect(segment).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{waiting.TaskId}']")).ToHaveAttributeAsync("data-state", "Running");
            await Assertions.Expect(quota).ToHaveCountAsync(0);
            await Assertions.Expect(quotaRow.Locator(".waiting")).ToHaveTextAsync("0");
            await live.Client.CancelAsync(waiting.TaskId);
            await live.Client.SetQuotaAsync(tenant, null);
            await Assertions.Expect(quotaRow).ToHaveCountAsync(0);

            // Work over a lending quota runs on borrowed room, marked so, and the quota's row says how much is borrowed.
            await live.Client.SetQuotaAsync(tenant, new TenantQuota(GpuPercent: 10, Borrow: true, MaxPriority: PriorityClass.Offline, OnlineGpuPercent: 5, GpuHoursPerMonth: 1000));
            var own = await live.Client.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-own"));
            var lent = await live.Client.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-lent"));
            Assert.True(lent.Borrowed);
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{lent.TaskId}'] .state.borrowed")).ToHaveTextAsync("borrowed");
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{own.TaskId}'] .state.borrowed")).ToHaveCountAsync(0);
            await Assertions.Expect(quotaRow.Locator(".borrowed")).ToHaveTextAsync("10% in 1");
            await Assertions.Expect(quotaRow.Locator(".max-priority")).ToHaveTextAsync("offline");
            await Assertions.Expect(quotaRow.Locator(".online")).ToContainTextAsync("0% / 5%");
            await Assertions.Expect(quotaRow.Locator(".budget")).ToContainTextAsync(" / 1000");
            await Assertions.Expect(quotaRow.Locator(".budget.spent")).ToHaveCountAsync(0);
            await live.Client.CancelAsync(lent.TaskId);
            await live.Client.CancelAsync(own.TaskId);

            // A monthly budget spent is marked so.
            await live.Client.SetQuotaAsync(tenant, new TenantQuota(GpuHoursPerMonth: 0));
            await Assertions.Expect(quotaRow.Locator(".budget.spent")).ToContainTextAsync(" / 0");
            await live.Client.SetQuotaAsync(tenant, null);

            // A running task whose readiness probe fails is marked not ready, the probe's failure its title.
            await using var down = new Probes.ProbeTarget();
            var unready = await live.Client.SubmitAsync(Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-unready")
                with { Readiness = down.Probe });
            var notReady = page.Locator($"#tasks tr[data-task='{unready.TaskId}'] .state.not-ready");
            await Assertions.Expect(notReady).ToHaveTextAsync("not ready");
            await Assertions.Expect(notReady).ToHaveAttributeAsync("title", down.Failure);
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{task.TaskId}'] .state.not-ready")).ToHaveCountAsync(0);
            await live.Client.CancelAsync(unready.TaskId);

            // A gang's members are marked with its name; a task on its own is not.
            var gangName = $"page-gang-{Guid.NewGuid():N}"[..16];
            var member = Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-member") with { Gang = new GangSpec(gangName, 2) };
            await live.Client.SubmitManyAsync([new(member, $"{gangName}-0"), new(member, $"{gangName}-1")]);
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{gangName}-1']")).ToHaveAttributeAsync("data-state", "Running");
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{gangName}-0'] .state.gang")).ToHaveTextAsync($"gang {gangName}");
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{task.TaskId}'] .state.gang")).ToHaveCountAsync(0);
            await live.Client.CancelAsync($"{gangName}-0");
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{gangName}-1']")).ToHaveAttributeAsync("data-state", "Cancelled");

            // A replica of a spread group is marked with its group, its most per node in the title.
            var replica = await live.Client.SubmitAsync(Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-replica")
                with { Constraints = PlacementConstraints.SpreadOver("page-web", 2) });
            var badge = page.Locator($"#tasks tr[data-task='{replica.TaskId}'] .state.spread");
            await Assertions.Expect(badge).ToHaveTextAsync("spread page-web");
            await Assertions.Expect(badge).ToHaveAttributeAsync("title", "kept apart from its tenant's other tasks of the group: at most 2 on a node");
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{task.TaskId}'] .state.spread")).ToHaveCountAsync(0);
            await live.Client.CancelAsync(replica.TaskId);

            // One spread over zones says so (node-1 has zone=b).
            var zoned = await live.Client.SubmitAsync(Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-zoned")
                with { Constraints = PlacementConstraints.SpreadOver("page-zoned", topologyKey: "zone") });
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{zoned.TaskId}'] .state.spread"))
                .ToHaveAttributeAsync("title", "kept apart from its tenant's other tasks of the group: at most 1 per zone");
            await live.Client.CancelAsync(zoned.TaskId);

            // A step after another is Blocked, naming what it waits for, and runs once that completes; its run limit shows.
            var first = await live.Client.SubmitAsync(Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-first"));
            var next = await live.Client.SubmitAsync(Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: tenant, name: "page-next")
                with { After = [first.TaskId], MaxRuntime = TimeSpan.FromHours(2), Labels = ImmutableDictionary<string, string>.Empty.Add("sweep", "lr-7").Add("project", "llm") });
            var nextRow = page.Locator($"#tasks tr[data-task='{next.TaskId}']");
            await Assertions.Expect(nextRow).ToHaveAttributeAsync("data-state", "Blocked");
            await Assertions.Expect(nextRow.Locator(".state.after")).ToHaveTextAsync($"after {first.TaskId}");
            await Assertions.Expect(nextRow.Locator(".state.limit")).ToHaveTextAsync("≤ 2h");
            await Assertions.Expect(nextRow.Locator(".state.labels")).ToHaveTextAsync("project=llm, sweep=lr-7");
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{first.TaskId}'] .state.labels")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{first.TaskId}'] .state.after")).ToHaveCountAsync(0);
            await live.Client.CancelAsync(first.TaskId);
            await Assertions.Expect(nextRow).ToHaveAttributeAsync("data-state", "Cancelled");
            await Assertions.Expect(nextRow.Locator(".state.after")).ToHaveCountAsync(0);

            // How the free room lies: empty cards, and the share of free compute on cards in use.
            await Assertions.Expect(page.Locator("#summary #room")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ empty cards · \d+% of free compute scattered$"));

            // Eviction by priority and consolidation, turned on live, show beside the settings, and go when turned off.
            await live.Client.UpdateSettingsAsync(evictLowerPriority: true, consolidate: true);
            try
            {
                await Assertions.Expect(page.Locator("#summary #eviction")).ToHaveTextAsync("evicts lower priority");
                await Assertions.Expect(page.Locator("#summary #consolidation")).ToHaveTextAsync("gathers scattered room");
            }
            finally
            {
                await live.Client.UpdateSettingsAsync(evictLowerPriority: false, consolidate: false);
            }

            await Assertions.Expect(page.Locator("#summary #eviction")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#summary #consolidation")).ToHaveCountAsync(0);

            // So does the pool's default quota, set live.
            await live.Client.SetDefaultQuotaAsync(new TenantQuota(GpuPercent: 800, Tasks: 500, MaxPriority: PriorityClass.Training));
            try
            {
                await Assertions.Expect(page.Locator("#summary #default-quota b")).ToHaveTextAsync("800% · 500 tasks · max training");
            }
            finally
            {
                await live.Client.SetDefaultQuotaAsync(null);
            }

            await Assertions.Expect(page.Locator("#summary #default-quota")).ToHaveCountAsync(0);

            // A cordon shows on its node, and goes with the uncordon, live too.
            await live.Client.CordonAsync("dc1/node-1", "fan <replacement>");
            await Assertions.Expect(page.Locator(".node .cordoned")).ToHaveTextAsync("cordoned: fan <replacement>");
            await live.Client.UncordonAsync("dc1/node-1");
            await Assertions.Expect(page.Locator(".node .cordoned")).ToHaveCountAsync(0);

            // A planned maintenance window shows on its node until cancelled.
            var start = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(3).Date, TimeSpan.Zero).AddHours(2);
            await live.Client.ScheduleMaintenanceAsync("dc1/node-1", new MaintenanceWindow(start, TimeSpan.FromHours(4), "<bios>", Drain: true, Notice: TimeSpan.FromHours(1)));
            try
            {
                var planned = page.Locator(".node[data-node='dc1/node-1'] .maintenance");
                await Assertions.Expect(planned).ToHaveTextAsync($"maintenance {start:yyyy-MM-dd} 02:00Z to {start:yyyy-MM-dd} 06:00Z: <bios>");
                await Assertions.Expect(planned).ToHaveAttributeAsync("title", $"planned maintenance: cordoned then, its tasks moved elsewhere; from {start:yyyy-MM-dd} 01:00Z only work that ends before it starts here");
            }
            finally
            {
                await live.Client.CancelMaintenanceAsync("dc1/node-1", start);
            }

            await Assertions.Expect(page.Locator(".node .maintenance")).ToHaveCountAsync(0);
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");

            // Last, as it reloads the page: the usage table (read every 30 s; a reload reads it now) lists what a tenant's ended and running tasks held.
            var payer = "page-use-" + Guid.NewGuid().ToString("N")[..6];
            await page.SelectOptionAsync("#f-tenant", "");
            var billed = await live.Client.SubmitAsync(Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: payer, name: "page-billed"));
            await Assertions.Expect(page.Locator($"#tasks tr[data-task='{billed.TaskId}']")).ToHaveAttributeAsync("data-state", "Running");
            await live.Client.CancelAsync(billed.TaskId);
            await page.ReloadAsync();
            var usageRow = page.Locator($"#usage tr[data-tenant='{payer}']");
            await Assertions.Expect(usageRow.Locator(".runs")).ToHaveTextAsync("1");
            await Assertions.Expect(usageRow.Locator(".running")).ToHaveTextAsync("0");
            await page.SelectOptionAsync("#f-tenant", tenant);
            await Assertions.Expect(usageRow).ToHaveCountAsync(0);
        }
        finally
        {
            await live.Client.SetQuotaAsync(tenant, null);
            await live.Client.CancelAsync(task.TaskId);
            await live.Client.UncordonAsync("dc1/node-1");
        }
    }

    private async Task<List<PrometheusSample>> PastShareSamples() =>
        [.. PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics"))).Where(s => s.Name == "orion_tenant_share_past")];
}
