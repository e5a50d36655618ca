using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary><c>orion quota</c>, as its own process, against the real silo process.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class CliQuotaTests(LiveSilo live)
{
    private const string Tenant = "cli-quota";

    [Fact]
    public async Task The_pools_default_quota_is_shown_set_and_cleared_live_and_a_weight_or_a_tenant_is_refused()
    {
        try
        {
            var set = await live.CliAsync("quota", "--default", "--tasks", "500", "--max-priority", "online");
            Assert.True(set.ExitCode == 0, set.ToString());
            Assert.Equal("default quota: tasks 500, maxPriority online, for each tenant without a quota of its own", set.Out.Trim());
            Assert.Equal(set.Out, (await live.CliAsync("quota", "--default")).Out);
            Assert.Equal(new TenantQuota(Tasks: 500, MaxPriority: PriorityClass.Online), (await live.Client.GetSettingsAsync()).DefaultQuota);
            Assert.Contains("tasks 500", (await live.CliAsync("config")).Out);

            var weighted = await live.CliAsync("quota", "--default", "--weight", "2");
            Assert.Equal(2, weighted.ExitCode);
            Assert.Equal("orion: --weight is each tenant's own: a default quota has none", weighted.Error.Trim());
            var named = await live.CliAsync("quota", Tenant, "--default", "--tasks", "1");
            Assert.Equal(2, named.ExitCode);
            Assert.Contains("--default is the pool's quota, not a tenant's", named.Error);
            Assert.Equal(new TenantQuota(Tasks: 500, MaxPriority: PriorityClass.Online), (await live.Client.GetSettingsAsync()).DefaultQuota);

            // A tenant under the default with an idle timeout of its own keeps it when its weight changes.
            const string idler = "cli-default-idle";
            await live.Client.SetQuotaAsync(idler, new TenantQuota(IdleTimeout: TimeSpan.FromHours(2)));
            await ObservabilityTests.Eventually(async () => Assert.True((await live.Client.GetTenantAsync(idler)).QuotaIsDefault));
            var weightedIdler = await live.CliAsync("quota", idler, "--weight", "3");
            Assert.True(weightedIdler.ExitCode == 0, weightedIdler.ToString());
            Assert.Equal(
                new TenantQuota(Tasks: 500, Weight: 3, MaxPriority: PriorityClass.Online, IdleTimeout: TimeSpan.FromHours(2)),
                (await live.Client.GetTenantAsync(idler)).Quota);
            await live.Client.SetQuotaAsync(idler, null);

            var cleared = await live.CliAsync("quota", "--default", "--clear");
            Assert.Equal("default quota: none: a tenant without a quota of its own is unbounded", cleared.Out.Trim());
            Assert.Equal("null", (await live.CliAsync("quota", "--default", "--json")).Out.Trim());
        }
        finally
        {
            await live.Client.SetDefaultQuotaAsync(null);
        }
    }

    [Fact]
    public async Task A_job_array_over_the_quota_runs_two_at_a_time_and_a_bulk_cancel_drops_the_waiting_ones()
    {
        const string tenant = "cli-array";
        try
        {
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--tasks", "2")).ExitCode);
            var array = await live.CliAsync("submit", "--id", "cli-array", "--count", "5", "--tenant", tenant, "--compute", "5", "--memory", "1GiB",
                "--items", "1", "--ms-per-item", "100000000");
            Assert.True(array.ExitCode == 0, array.ToString());
            var lines = array.Out.Trim().Split('\n');
            Assert.Equal(5, lines.Length);
            Assert.Equal(3, lines.Count(l => l.EndsWith("(Pending, waiting for quota)", StringComparison.Ordinal)));
            Assert.All(Enumerable.Range(0, 5), i => Assert.Contains(lines, l => l.StartsWith($"submitted cli-array-{i} ", StringComparison.Ordinal)));
            var ls = await live.CliAsync("ls", "--tenant", tenant);
            Assert.True(ls.ExitCode == 0, ls.ToString());
            Assert.Equal(3, ls.Out.Split('\n').Count(l => l.Contains("Pending waiting for quota", StringComparison.Ordinal)));

            // Failing fast instead: over the quota the rest are refused by name, and the exit code says so.
            var fast = await live.CliAsync("submit", "--id", "cli-fast", "--count", "2", "--fail-fast", "--tenant", tenant, "--compute", "5", "--memory", "1GiB");
            Assert.True(fast.ExitCode == 1, fast.ToString());
            Assert.Contains("tasks[0].tenant", fast.Error);
            Assert.Contains("tasks[1].tenant", fast.Error);
            Assert.Equal("", fast.Out.Trim());

            var cancel = await live.CliAsync("cancel", "--tenant", tenant, "--state", "Pending");
            Assert.True(cancel.ExitCode == 0, cancel.ToString());
            Assert.Equal($"3 task(s) of {tenant} cancelled", cancel.Out.Trim());
            var usage = await live.Client.GetTenantAsync(tenant);
            Assert.Equal((2, 0), (usage.Tasks, usage.Waiting));
        }
        finally
        {
            await live.Client.SetQuotaAsync(tenant, null);
            await live.Client.CancelManyAsync(new TaskQuery(tenant));
        }
    }

    [Fact]
    public async Task Room_set_aside_for_a_gangs_members_still_to_come_shows_in_the_tenants_use()
    {
        const string tenant = "cli-gang-quota";
        try
        {
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--gpu-percent", "100")).ExitCode);
            var member = Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 100_000_000, tenant: tenant) with { Gang = new GangSpec("cli-gang", 3) };
            var first = await live.Client.SubmitAsync(member, "cli-gang-0");
            Assert.Equal((TaskState.Pending, null), (first.State, first.QuotaWait));

            var shown = await live.CliAsync("quota", tenant);
            Assert.True(shown.ExitCode == 0, shown.ToString());
            Assert.Contains("10% and 2GiB for 2 member(s) still to come", shown.Out);
            var usage = await live.Client.GetTenantAsync(tenant);
            Assert.Equal((5d, 1, 10d, 2048L, 2), (usage.GpuPercent, usage.Tasks, usage.SetAsideGpuPercent, usage.SetAsideGpuMemoryMiB, usage.SetAsideTasks));
        }
        finally
        {
            await live.Client.SetQuotaAsync(tenant, null);
            await live.Client.CancelManyAsync(new TaskQuery(tenant));
        }
    }

    [Fact]
    public async Task A_weight_and_the_limits_are_set_apart_and_clear_removes_both()
    {
        const string tenant = "cli-weight";
        try
        {
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--tasks", "4")).ExitCode);
            var weighted = await live.CliAsync("quota", tenant, "--weight", "2.5");
            Assert.True(weighted.ExitCode == 0, weighted.ToString());
            Assert.Contains("2.5", weighted.Out);
            Assert.Equal(new TenantQuota(Tasks: 4, Weight: 2.5), (await live.Client.GetTenantAsync(tenant)).Quota);

            // New limits replace the old ones and keep the weight.
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--gpu-percent", "300")).ExitCode);
            Assert.Equal(new TenantQuota(GpuPercent: 300, Weight: 2.5), (await live.Client.GetTenantAsync(tenant)).Quota);
            var listed = await live.CliAsync("quota");
            Assert.True(listed.ExitCode == 0, listed.ToString());
            Assert.Contains(listed.Out.Split('\n'), l => l.Contains(tenant, StringComparison.Ordinal) && l.Contains("2.5", StringComparison.Ordinal));

            // A priority cap is set apart too: limits and weight stay, and new limits keep it.
            var capped = await live.CliAsync("quota", tenant, "--max-priority", "training");
            Assert.True(capped.ExitCode == 0, capped.ToString());
            Assert.Matches(@"max priority\s*│?\s*training", capped.Out);
            Assert.Equal(new TenantQuota(GpuPercent: 300, Weight: 2.5, MaxPriority: PriorityClass.Training), (await live.Client.GetTenantAsync(tenant)).Quota);
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--tasks", "9")).ExitCode);
            Assert.Equal(new TenantQuota(Tasks: 9, Weight: 2.5, MaxPriority: PriorityClass.Training), (await live.Client.GetTenantAsync(tenant)).Quota);
            var online = await live.CliAsync("submit", "--tenant", tenant, "--priority", "online", "--compute", "10", "--memory", "1GiB");
            Assert.Equal(1, online.ExitCode);
            Assert.Contains("priority may be at most training for tenant 'cli-weight' (its quota's maxPriority), not online", online.Error);
            Assert.Contains(
                (await live.CliAsync("quota")).Out.Split('\n'),
                l => l.Contains(tenant, StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"training\s*│?\s*-\s*│?\s*$"));
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--max-priority", "any")).ExitCode);
            Assert.Equal(new TenantQuota(Tasks: 9, Weight: 2.5), (await live.Client.GetTenantAsync(tenant)).Quota);
            Assert.Equal(2, (await live.CliAsync("quota", tenant, "--max-priority", "highest")).ExitCode);

            // An online limit is one of the limits: given alone, it replaces them, and the weight stays.
            var onlineLimit = await live.CliAsync("quota", tenant, "--online-gpu-percent", "50");
            Assert.True(onlineLimit.ExitCode == 0, onlineLimit.ToString());
            Assert.Matches(@"online compute\s*│?\s*0% of 50%", onlineLimit.Out);
            Assert.Equal(new TenantQuota(Weight: 2.5, OnlineGpuPercent: 50), (await live.Client.GetTenantAsync(tenant)).Quota);
            var badOnline = await live.CliAsync("quota", tenant, "--online-gpu-percent", "-1");
            Assert.Equal(2, badOnline.ExitCode);
            Assert.StartsWith("orion: --online-gpu-percent must be 0 to", badOnline.Error);

            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--clear")).ExitCode);
            Assert.Null((await live.Client.GetTenantAsync(tenant)).Quota);
        }
        finally
        {
            await live.Client.SetQuotaAsync(tenant, null);
        }
    }

    [Fact]
    public async Task A_monthly_budget_is_set_apart_from_the_limits_shown_with_what_was_spent_and_a_spent_one_holds_new_work()
    {
        const string tenant = "cli-budget";
        try
        {
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--tasks", "4")).ExitCode);
            var budget = await live.CliAsync("quota", tenant, "--gpu-hours-month", "500");
            Assert.True(budget.ExitCode == 0, budget.ToString());
            Assert.Matches(@"card-hours this month\s*│?\s*0 of 500", budget.Out);
            Assert.Equal(new TenantQuota(Tasks: 4, GpuHoursPerMonth: 500), (await live.Client.GetTenantAsync(tenant)).Quota);
            await ObservabilityTests.Eventually(async () =>
            {
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                double Of(string name) => Assert.Single(samples, s => s.Name == name && s.Labels.GetValueOrDefault("orion_task_tenant") == tenant).Value;
                Assert.Equal((0.0, 500.0), (Of("orion_tenant_budget_spent"), Of("orion_tenant_budget_limit")));
            });

            // New limits keep the budget; none removes it and keeps the limits.
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--gpu-percent", "200")).ExitCode);
            Assert.Equal(new TenantQuota(GpuPercent: 200, GpuHoursPerMonth: 500), (await live.Client.GetTenantAsync(tenant)).Quota);
            Assert.Contains((await live.CliAsync("quota")).Out.Split('\n'), l => l.Contains(tenant, StringComparison.Ordinal) && l.Contains("0 / 500", StringComparison.Ordinal));
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--gpu-hours-month", "none")).ExitCode);
            Assert.Equal(new TenantQuota(GpuPercent: 200), (await live.Client.GetTenantAsync(tenant)).Quota);

            var negative = await live.CliAsync("quota", tenant, "--gpu-hours-month", "-1");
            Assert.Equal(2, negative.ExitCode);
            Assert.StartsWith("orion: --gpu-hours-month must be 0 to", negative.Error);
            var word = await live.CliAsync("quota", tenant, "--gpu-hours-month", "lots");
            Assert.Equal(2, word.ExitCode);
            Assert.Contains("--gpu-hours-month: must be a number of card-hours or none", word.Error);
            Assert.Equal(new TenantQuota(GpuPercent: 200), (await live.Client.GetTenantAsync(tenant)).Quota);

            // A budget of nothing is spent from the start: a task waits, saying why.
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--gpu-hours-month", "0")).ExitCode);
            var held = await live.CliAsync("submit", "--id", "cli-budget-a", "--tenant", tenant, "--compute", "10", "--memory", "1GiB");
            Assert.True(held.ExitCode == 0, held.ToString());
            Assert.Equal("submitted cli-budget-a (Pending, waiting for quota)", held.Out.Trim());
            Assert.Contains("spent its quota of gpuHoursPerMonth 0", (await live.Client.GetAsync("cli-budget-a"))!.QuotaWait);
            Assert.Matches(@"card-hours this month\s*│?\s*0 of 0 \(spent", (await live.CliAsync("quota", tenant)).Out);

            // An idle timeout is set apart too: the limits and the budget stay.
            var idle = await live.CliAsync("quota", tenant, "--idle-timeout", "2h");
            Assert.True(idle.ExitCode == 0, idle.ToString());
            Assert.Matches(@"idle timeout\s*│?\s*2h \(its tasks' runs stop", idle.Out);
            Assert.Equal(new TenantQuota(GpuPercent: 200, GpuHoursPerMonth: 0, IdleTimeout: TimeSpan.FromHours(2)), (await live.Client.GetTenantAsync(tenant)).Quota);
            var tooShort = await live.CliAsync("quota", tenant, "--idle-timeout", "30s");
            Assert.Equal(2, tooShort.ExitCode);
            Assert.StartsWith("orion: --idle-timeout must be 1 minute to 365 days", tooShort.Error);
        }
        finally
        {
            await live.Client.SetQuotaAsync(tenant, null);
            await live.Client.CancelManyAsync(new TaskQuery(tenant));
        }
    }

    [Fact]
    public async Task A_task_over_a_quota_set_with_the_cli_waits_showing_why_one_too_large_is_refused_and_clear_admits_the_line()
    {
        try
        {
            var set = await live.CliAsync("quota", Tenant, "--gpu-percent", "50", "--gpu-memory", "4GiB", "--tasks", "3");
            Assert.True(set.ExitCode == 0, set.ToString());
            Assert.Contains("0% of 50%", set.Out);

            var first = await live.CliAsync("submit", "-q", "--tenant", Tenant, "--compute", "40", "--memory", "1GiB", "--items", "1", "--ms-per-item", "100000000");
            Assert.True(first.ExitCode == 0, first.ToString());
            var over = await live.CliAsync("submit", "-q", "--tenant", Tenant, "--compute", "20", "--memory", "1GiB");
            Assert.True(over.ExitCode == 0, over.ToString());
            var get = await live.CliAsync("get", over.Out.Trim());
            Assert.True(get.ExitCode == 0, get.ToString());
            Assert.Contains($"tenant '{Tenant}' would pass its quota of gpuPercent 50: 40 in use + 20 asked", get.Out);

            var huge = await live.CliAsync("submit", "-q", "--tenant", Tenant, "--compute", "30", "--memory", "5GiB");
            Assert.True(huge.ExitCode == 1, huge.ToString());
            Assert.Equal($"orion: the task spec was rejected: tenant '{Tenant}' has a quota of gpuMemoryMiB 4096: the task asks 5120, more than all of it", huge.Error.Trim());

            var shown = await live.CliAsync("quota", Tenant, "--json");
            Assert.True(shown.ExitCode == 0, shown.ToString());
            using var json = System.Text.Json.JsonDocument.Parse(shown.Out);
            Assert.Equal((40.0, 1024L, 1, 1), (json.RootElement.GetProperty("gpuPercent").GetDouble(), json.RootElement.GetProperty("gpuMemoryMiB").GetInt64(),
                json.RootElement.GetProperty("tasks").GetInt32(), json.RootElement.GetProperty("waiting").GetInt32()));

            // The same over HTTP, and the refusal counted for the tenant.
            var api = await live.Http.GetStringAsync(live.Url($"/api/tenants/{Tenant}"));
            using (var doc = System.Text.Json.JsonDocument.Parse(api))
            {
                Assert.Equal((40.0, 50.0), (doc.RootElement.GetProperty("gpuPercent").GetDouble(), doc.RootElement.GetProperty("quota").GetProperty("gpuPercent").GetDouble()));
            }

            await ObservabilityTests.Eventually(async () =>
            {
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                double Of(string name) => Assert.Single(samples, s => s.Name == name && s.Labels.GetValueOrDefault("orion_task_tenant") == Tenant).Value;
                Assert.Equal(1, Of("orion_quota_refusals_total"));
                Assert.Equal((400.0, 500.0, 1.0, 1.0), (Of("orion_tenant_compute"), Of("orion_tenant_compute_limit"), Of("orion_tenant_tasks"), Of("orion_tenant_tasks_waiting")));

                // Its fair share: 40% of a card of five oversubscribed twice (10,000 milli).
                Assert.Equal(0.04, Of("orion_tenant_share"), 6);
            });
            var shares = await live.CliAsync("shares", "--tenant", Tenant);
            Assert.True(shares.ExitCode == 0, shares.ToString());
            Assert.Contains(shares.Out.Split('\n'), l => l.Contains(Tenant, StringComparison.Ordinal) && l.Contains("40%", StringComparison.Ordinal) && l.Contains("4%", StringComparison.Ordinal));
            await ObservabilityTests.Eventually(async () =>
            {
                var json = await live.CliAsync("shares", "--tenant", Tenant, "--json");
                using var doc = System.Text.Json.JsonDocument.Parse(json.Out);
                var row = Assert.Single(doc.RootElement.EnumerateArray());
                Assert.Equal((Tenant, 400L, 1), (row.GetProperty("tenant").GetString(), row.GetProperty("computeMilli").GetInt64(), row.GetProperty("queued").GetInt32()));
            });

            // Every quota at once: the CLI's table and the API's list.
            var all = await live.CliAsync("quota");
            Assert.True(all.ExitCode == 0, all.ToString());
            Assert.Matches($@"{Tenant}\s.*40%\s*/\s*50%.*1\s*/\s*3.*1", all.Out);
            using (var list = System.Text.Json.JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/tenants"))))
            {
                Assert.Contains(list.RootElement.EnumerateArray(), t => t.GetProperty("tenant").GetString() == Tenant && t.GetProperty("waiting").GetInt32() == 1);
            }

            var bad = await live.CliAsync("quota", Tenant, "--gpu-percent", "-5");
            Assert.True(bad.ExitCode == 2, bad.ToString());
            Assert.StartsWith("orion: --gpu-percent must be 0 to", bad.Error.Trim());
            Assert.Equal(new TenantQuota(50, 4096, 3), (await live.Client.GetTenantAsync(Tenant)).Quota);

            // Cleared: the waiting task is admitted and counts with the rest, with no limit.
            var clear = await live.CliAsync("quota", Tenant, "--clear");
            Assert.True(clear.ExitCode == 0, clear.ToString());
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await live.Client.WaitForStateAsync(over.Out.Trim(), [TaskState.Running], cts.Token);
            var shownAfter = await live.CliAsync("quota", Tenant);
            Assert.Contains("60% (no limit)", shownAfter.Out);
        }
        finally
        {
            await live.Client.SetQuotaAsync(Tenant, null);
            foreach (var t in await live.Client.ListAsync(new TaskQuery(Tenant: Tenant)))
            {
                await live.Client.CancelAsync(t.TaskId);
            }
        }
    }

    [Fact]
    public async Task A_lending_quota_set_with_the_cli_runs_work_over_it_marked_borrowed_and_borrow_alone_is_refused()
    {
        const string tenant = "cli-borrow";
        try
        {
            var alone = await live.CliAsync("quota", tenant, "--borrow");
            Assert.True(alone.ExitCode == 2, alone.ToString());
            Assert.Equal("orion: --borrow needs a gpuPercent or gpuMemoryMiB limit to borrow beyond", alone.Error.Trim());
            Assert.Null((await live.Client.GetTenantAsync(tenant)).Quota);

            var set = await live.CliAsync("quota", tenant, "--gpu-percent", "5", "--borrow");
            Assert.True(set.ExitCode == 0, set.ToString());
            Assert.Equal(new TenantQuota(GpuPercent: 5, Borrow: true), (await live.Client.GetTenantAsync(tenant)).Quota);

            var own = await live.CliAsync("submit", "-q", "--tenant", tenant, "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "100000000");
            var lent = await live.CliAsync("submit", "-q", "--tenant", tenant, "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "100000000");
            Assert.True(own.ExitCode == 0 && lent.ExitCode == 0, $"{own} {lent}");
            var get = await live.CliAsync("get", lent.Out.Trim());
            Assert.True(get.ExitCode == 0, get.ToString());
            Assert.Contains("borrowed room", get.Out);
            Assert.Contains("borrowed", (await live.CliAsync("ls", "--tenant", tenant)).Out);
            Assert.Contains("5% in 1 task(s)", (await live.CliAsync("quota", tenant)).Out);

            await ObservabilityTests.Eventually(async () =>
            {
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                Assert.Equal(50, Assert.Single(samples, s => s.Name == "orion_tenant_compute_borrowed" && s.Labels.GetValueOrDefault("orion_task_tenant") == tenant).Value);
            });

            // Limits given again without --borrow stop the lending; the loan runs on until room under the quota takes it.
            Assert.Equal(0, (await live.CliAsync("quota", tenant, "--gpu-percent", "10")).ExitCode);
            Assert.Equal(new TenantQuota(GpuPercent: 10), (await live.Client.GetTenantAsync(tenant)).Quota);
            await ObservabilityTests.Eventually(async () => Assert.False((await live.Client.GetAsync(lent.Out.Trim()))!.Borrowed));
        }
        finally
        {
            await live.Client.SetQuotaAsync(tenant, null);
            await live.Client.CancelManyAsync(new TaskQuery(tenant));
        }
    }
}
