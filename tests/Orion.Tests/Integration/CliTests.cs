using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Orion.Cli;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>The real <c>orion</c> CLI, as its own process, against the real silo process.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class CliTests(LiveSilo live)
{
    [Fact]
    public async Task Submit_get_ls_watch_gpus_nodes_top_and_cancel_a_task()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var submit = await live.CliAsync("submit", "-q", "--wait", "--name", "embed", "--tenant", tenant, "--priority", "offline/3",
            "--compute", "25", "--memory", "3GiB", "--items", "1", "--ms-per-item", "10000000");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        var id = submit.Out.Trim();
        Assert.StartsWith("t-", id);

        var get = await live.CliAsync("get", id, "--json");
        Assert.True(get.ExitCode == 0, get.ToString());
        using (var doc = JsonDocument.Parse(get.Out))
        {
            Assert.Equal("Running", doc.RootElement.GetProperty("state").GetString());
            Assert.Equal(250, doc.RootElement.GetProperty("placement").GetProperty("computeMilli").GetInt32());
            Assert.Equal(3072, doc.RootElement.GetProperty("placement").GetProperty("gpuMemoryMiB").GetInt64());
        }

        // Its spec as a file reads back to the spec it runs under.
        var manifest = await live.CliAsync("get", id, "--manifest");
        Assert.True(manifest.ExitCode == 0, manifest.ToString());
        Assert.Contains("priority: offline/3", manifest.Out);
        Assert.Equal(
            JsonSerializer.Serialize((await live.Client.GetAsync(id))!.Spec),
            JsonSerializer.Serialize(Orion.Cli.SpecBuilder.Build(Orion.Cli.SpecBuilder.Parse(manifest.Out, "t.yaml"))));

        var gpu = (await live.Client.GetAsync(id))!.Placement!.GpuIds[0];
        var ls = await live.CliAsync("ls", "--tenant", tenant);
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Matches($@"{id}\s*│\s*embed\s*│\s*{tenant}\s*│\s*Offline/3\s*│\s*Running\s*│\s*{gpu}", ls.Out);

        var gpus = await live.CliAsync("gpus", "--tenant", tenant);
        Assert.True(gpus.ExitCode == 0, gpus.ToString());
        Assert.Contains($"{id}:Running", gpus.Out);
        Assert.Contains("dc1/node-1/1", gpus.Out);
        Assert.Contains("MEASURED", gpus.Out);
        Assert.Matches(@"\d+(\.\d)?% \d", gpus.Out);

        var nodes = await live.CliAsync("nodes", "--json");
        Assert.True(nodes.ExitCode == 0, nodes.ToString());
        using (var doc = JsonDocument.Parse(nodes.Out))
        {
            Assert.Equal(["dc1/node-0", "dc1/node-1", "dc1/node-2", "dc1/node-3"], doc.RootElement.EnumerateArray().Select(n => n.GetProperty("nodeId").GetString()));
            Assert.All(doc.RootElement.EnumerateArray(), n => Assert.Equal("simulated", n.GetProperty("backend").GetString()));
        }

        var table = await live.CliAsync("nodes");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("simulated (slices: model)", table.Out);
        Assert.Matches(@"dc1/node-3\s*│.*│\s*1 \(1 faulted\)\s*│", table.Out);

        // A broken card shows what broke; the others are ok.
        var cards = await live.CliAsync("gpus");
        Assert.True(cards.ExitCode == 0, cards.ToString());
        Assert.Contains("faulted: " + LiveSilo.BrokenCard[..20], Assert.Single(cards.Out.Split('\n'), l => l.Contains("dc1/node-3/0", StringComparison.Ordinal)));
        Assert.Contains("│ ok ", Assert.Single(cards.Out.Split('\n'), l => l.Contains("dc1/node-2/0", StringComparison.Ordinal)));

        var top = await live.CliAsync("top", "--count", "2", "--interval", "0.2");
        Assert.True(top.ExitCode == 0, top.ToString());
        Assert.Equal(2, top.Out.Split("nodes 4  gpus 6").Length - 1);
        Assert.Matches(@"dc1: [\d.]+% free, \d+ empty card\(s\), \d+% of the free compute scattered over cards in use", top.Out);
        Assert.Contains(id, top.Out);

        // A pool without tokens says so.
        Assert.Equal("the pool requires no access token", (await live.CliAsync("whoami")).Out.Trim());

        var watch = await live.CliAsync("watch", id, "--count", "1");
        Assert.True(watch.ExitCode == 0, watch.ToString());
        Assert.Contains(id, watch.Out);
        Assert.Contains("Running", watch.Out);

        var cancel = await live.CliAsync("cancel", id);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal($"{id} Cancelled", cancel.Out.Trim());
        Assert.Equal(TaskState.Cancelled, (await live.Client.GetAsync(id))!.State);

        // Watching an ended task prints it and returns.
        var ended = await live.CliAsync("watch", id);
        Assert.True(ended.ExitCode == 0, ended.ToString());
        Assert.Contains("Cancelled", ended.Out);
    }

    [Fact]
    public async Task Nodes_list_their_labels_and_a_node_selector_keeps_a_task_to_the_labelled_one()
    {
        var nodes = await live.CliAsync("nodes");
        Assert.True(nodes.ExitCode == 0, nodes.ToString());
        Assert.Contains("LABELS", nodes.Out);
        Assert.Contains("zone=b", Assert.Single(nodes.Out.Split('\n'), l => l.Contains("dc1/node-1", StringComparison.Ordinal)));

        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var submit = await live.CliAsync("submit", "--tenant", tenant, "--node-selector", "zone=b", "--compute", "5", "--memory", "1GiB",
            "--items", "1", "--ms-per-item", "10000000", "--quiet");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = await live.Client.WaitForStateAsync(submit.Out.Trim(), [TaskState.Running], timeout.Token);
        Assert.Equal("dc1/node-1", running.Placement!.NodeId);
        var table = await live.CliAsync("get", running.TaskId);
        Assert.Contains("zone=b", table.Out);
        await live.CliAsync("cancel", "--tenant", tenant);
    }

    [Fact]
    public async Task A_tainted_node_takes_only_a_task_that_tolerates_its_taint_and_one_that_does_not_says_so()
    {
        var nodes = await live.CliAsync("nodes");
        Assert.True(nodes.ExitCode == 0, nodes.ToString());
        Assert.Contains("TAINTS", nodes.Out);
        Assert.Contains("dedicated=ci", Assert.Single(nodes.Out.Split('\n'), l => l.Contains("dc1/node-2", StringComparison.Ordinal)));
        Assert.DoesNotContain("dedicated=ci", Assert.Single(nodes.Out.Split('\n'), l => l.Contains("dc1/node-1", StringComparison.Ordinal)));

        // Both select node-2 by its label; only the second tolerates its taint (any value of the key).
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        string[] work = ["--tenant", tenant, "--node-selector", "pool=ci", "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000", "--quiet"];
        var refused = await live.CliAsync(["submit", .. work]);
        Assert.True(refused.ExitCode == 0, refused.ToString());
        var tolerated = await live.CliAsync(["submit", .. work, "--toleration", "dedicated"]);
        Assert.True(tolerated.ExitCode == 0, tolerated.ToString());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("dc1/node-2", (await live.Client.WaitForStateAsync(tolerated.Out.Trim(), [TaskState.Running], timeout.Token)).Placement!.NodeId);
        Assert.Contains("dedicated (any value)", (await live.CliAsync("get", tolerated.Out.Trim())).Out);

        var waiting = await live.CliAsync("get", refused.Out.Trim());
        Assert.Contains("Pending", waiting.Out);
        Assert.Contains("tainted dedicated=ci, which it does not tolerate (1)", waiting.Out);
        await live.CliAsync("cancel", "--tenant", tenant);
    }

    [Fact]
    public async Task A_step_submitted_after_another_is_blocked_says_on_what_and_is_cancelled_with_it()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var prep = "prep-" + Guid.NewGuid().ToString("N")[..6];
        var submitted = await live.CliAsync("submit", "--id", prep, "--tenant", tenant, "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000");
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        var step = await live.CliAsync("submit", "--id", prep + "-next", "--tenant", tenant, "--after", prep, "--max-runtime", "1h30m", "--idle-timeout", "45m", "--restart", "on-failure:2",
            "--compute", "5", "--memory", "1GiB", "--stay-put");
        Assert.True(step.ExitCode == 0, step.ToString());
        Assert.Equal($"submitted {prep}-next (Blocked)", step.Out.Trim());

        var table = await live.CliAsync("get", prep + "-next");
        Assert.Contains("Blocked", table.Out);
        Assert.Contains($"waiting for {prep} to complete (it runs after it)", table.Out);
        Assert.Contains("1h30m per run, not counting time paused", table.Out);
        Assert.Contains("stopped once its cards are idle for 45m, not counting time paused", table.Out);
        Assert.Equal(TimeSpan.FromMinutes(45), (await live.Client.GetAsync(prep + "-next"))!.Spec.IdleTimeout);
        Assert.True((await live.Client.GetAsync(prep + "-next"))!.Spec.StayPut);
        Assert.Contains("never moved to gather room for another task", table.Out);
        Assert.Contains(prep, Assert.Single(table.Out.Split('\n'), l => l.Contains("runs after", StringComparison.Ordinal) && !l.Contains("waiting", StringComparison.Ordinal)));

        // A clean-up step runs once prep ends, whichever way.
        var cleanup = await live.CliAsync("submit", "--id", prep + "-cleanup", "--tenant", tenant, "--after", prep, "--after-condition", "ended",
            "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000");
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Contains($"{prep} (once they end)", (await live.CliAsync("get", prep + "-cleanup")).Out);
        var bad = await live.CliAsync("submit", "--after", prep, "--after-condition", "afterany", "--compute", "5", "--memory", "1GiB");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains($"--after-condition: 'afterany' {SpecBuilder.AfterConditionRule}", bad.Error);

        var raised = await live.CliAsync("priority", prep + "-next", "training/2");
        Assert.True(raised.ExitCode == 0, raised.ToString());
        Assert.Equal($"{prep}-next Blocked at Training/2", raised.Out.Trim());
        var running = await live.CliAsync("priority", prep, "offline/3");
        Assert.True(running.ExitCode == 0, running.ToString());
        Assert.Equal($"{prep} Running at Offline/3", running.Out.Trim());
        var online = await live.CliAsync("priority", prep, "online");
        Assert.True(online.ExitCode == 1, online.ToString());
        Assert.Contains("to or from online", online.Error);

        Assert.Equal(0, (await live.CliAsync("cancel", prep)).ExitCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var cancelled = await live.Client.WaitForStateAsync(prep + "-next", [TaskState.Cancelled], timeout.Token);
        Assert.StartsWith($"{prep}, which it runs after, cancelled", cancelled.ExitReason);
        Assert.Equal(RestartPolicy.OnFailure(2), cancelled.Spec.Restart);
        Assert.Equal(TaskState.Running, (await live.Client.WaitForStateAsync(prep + "-cleanup", [TaskState.Running], timeout.Token)).State);
        Assert.Equal(0, (await live.CliAsync("cancel", prep + "-cleanup")).ExitCode);
    }

    [Fact]
    public async Task A_process_task_takes_its_environment_and_working_directory_and_get_shows_the_names_not_the_values()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var id = "proc-" + Guid.NewGuid().ToString("N")[..6];
        var submitted = await live.CliAsync("submit", "--id", id, "--tenant", tenant, "--command", "python serve.py", "--env", "HF_HOME=/data/hf",
            "--env", "API_TOKEN=s3cret=x", "--workdir", "/srv/serve", "--compute", "5", "--memory", "1GiB");
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        try
        {
            var status = (await live.Client.GetAsync(id))!;
            Assert.Equal(("s3cret=x", "/srv/serve"), (status.Spec.Workload.Environment!["API_TOKEN"], status.Spec.Workload.WorkingDirectory));
            var table = await live.CliAsync("get", id);
            Assert.Contains("API_TOKEN, HF_HOME", table.Out);
            Assert.Contains("/srv/serve", table.Out);
            Assert.DoesNotContain("s3cret", table.Out);
        }
        finally
        {
            await live.CliAsync("cancel", id);
        }

        var reserved = await live.CliAsync("submit", "--tenant", tenant, "--command", "run", "--env", "CUDA_VISIBLE_DEVICES=0", "--compute", "5", "--memory", "1GiB");
        Assert.Equal(2, reserved.ExitCode);
        Assert.Contains("workload.environment[CUDA_VISIBLE_DEVICES]", reserved.Error);
        var malformed = await live.CliAsync("submit", "--tenant", tenant, "--command", "run", "--env", "HF_HOME", "--compute", "5", "--memory", "1GiB");
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("--env", malformed.Error);
    }

    [Fact]
    public async Task Tasks_submitted_with_labels_are_listed_and_cancelled_by_them()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        string[] work = ["--tenant", tenant, "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000", "--quiet"];
        var a = (await live.CliAsync(["submit", .. work, "--label", "sweep=s7", "--label", "lr=0.1"])).Out.Trim();
        var b = (await live.CliAsync(["submit", .. work, "--label", "sweep=s7", "--label", "lr=0.3"])).Out.Trim();
        var other = (await live.CliAsync(["submit", .. work, "--label", "sweep=s8"])).Out.Trim();
        try
        {
            Assert.Contains("lr=0.1, sweep=s7", (await live.CliAsync("get", a)).Out);
            var listed = await live.CliAsync("ls", "--tenant", tenant, "--label", "sweep=s7");
            Assert.True(listed.ExitCode == 0, listed.ToString());
            Assert.Contains(a, listed.Out);
            Assert.Contains(b, listed.Out);
            Assert.DoesNotContain(other, listed.Out);

            var cancelled = await live.CliAsync("cancel", "--tenant", tenant, "--label", "sweep=s7");
            Assert.Equal($"2 task(s) of {tenant} cancelled", cancelled.Out.Trim());
            Assert.Equal(TaskState.Cancelled, (await live.Client.GetAsync(b))!.State);
            Assert.NotEqual(TaskState.Cancelled, (await live.Client.GetAsync(other))!.State);

            var bad = await live.CliAsync("ls", "--label", "sweep");
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("--label: 'sweep' is not key=value", bad.Error);
            var mixed = await live.CliAsync("cancel", a, "--label", "sweep=s7");
            Assert.Equal(2, mixed.ExitCode);
        }
        finally
        {
            await live.CliAsync("cancel", "--tenant", tenant);
        }
    }

    [Fact]
    public async Task Usage_shows_a_tenants_card_hours_and_runs_as_a_table_and_as_json()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var id = "use-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, (await live.CliAsync("submit", "--id", id, "--tenant", tenant, "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000", "--label", "project=llm", "--wait")).ExitCode);
        Assert.Equal(0, (await live.CliAsync("cancel", id)).ExitCode);

        var json = await live.CliAsync("usage", tenant, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var usage = Assert.Single(JsonSerializer.Deserialize<Orion.Client.Monitoring.TenantConsumption[]>(json.Out, new JsonSerializerOptions(JsonSerializerDefaults.Web))!);
        Assert.Equal((tenant, 1, 0), (usage.Tenant, usage.Runs, usage.RunningNow));
        Assert.True(usage.CardHours > 0, json.Out);

        Assert.Contains("over 1 ended run(s)", (await live.CliAsync("get", id)).Out);
        var table = await live.CliAsync("usage", "--days", "1");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("CARD-HOURS", table.Out);
        Assert.Contains(tenant, table.Out);

        // Split by the task's label: its one run is the project's; the tenant has nothing without the label.
        var split = await live.CliAsync("usage", tenant, "--by-label", "project");
        Assert.True(split.ExitCode == 0, split.ToString());
        var row = Assert.Single(split.Out.Split('\n'), l => l.Contains(tenant, StringComparison.Ordinal));
        Assert.Matches(@"project=llm\s*│\s*[0-9.]+\s*│\s*[0-9.]+\s*│\s*1\s*│\s*0", row);
        Assert.Contains("LABEL", split.Out);

        // For chargeback: the same figures as CSV, from the CLI and from the API alike.
        var csv = await live.CliAsync("usage", tenant, "--by-label", "project", "--csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        var lines = csv.Out.TrimEnd().Split("\r\n");
        Assert.Equal("tenant,label,from,to,card_hours,gpu_memory_gib_hours,runs_ended,running_now", lines[0]);
        Assert.Matches($@"^{tenant},project=llm,\d{{4}}-\d\d-\d\d,\d{{4}}-\d\d-\d\d,[0-9.]+,[0-9.]+,1,0$", Assert.Single(lines[1..]));
        using var api = await live.Http.GetAsync(live.Url($"/api/usage.csv?tenant={tenant}&byLabel=project"));
        Assert.Equal("text/csv", api.Content.Headers.ContentType?.MediaType);
        Assert.Equal(csv.Out.TrimEnd(), (await api.Content.ReadAsStringAsync()).TrimEnd());
        Assert.Equal(2, (await live.CliAsync("usage", "--csv", "--json")).ExitCode);

        // By data centre: the embedded silo's one, in the table, the CLI's CSV and the API's alike.
        var bySite = await live.CliAsync("usage", tenant, "--by-data-centre");
        Assert.True(bySite.ExitCode == 0, bySite.ToString());
        Assert.Contains("DATA CENTRE", bySite.Out);
        Assert.Matches(@"dc1\s*│\s*[0-9.]+\s*│\s*[0-9.]+\s*│\s*1\s*│\s*0", Assert.Single(bySite.Out.Split('\n'), l => l.Contains(tenant, StringComparison.Ordinal)));
        var siteCsv = await live.CliAsync("usage", tenant, "--by-data-centre", "--csv");
        var siteLines = siteCsv.Out.TrimEnd().Split("\r\n");
        Assert.Equal("tenant,data_centre,from,to,card_hours,gpu_memory_gib_hours,runs_ended,running_now", siteLines[0]);
        Assert.Matches($@"^{tenant},dc1,\d{{4}}-\d\d-\d\d,\d{{4}}-\d\d-\d\d,[0-9.]+,[0-9.]+,1,0$", Assert.Single(siteLines[1..]));
        using var siteApi = await live.Http.GetAsync(live.Url($"/api/usage.csv?tenant={tenant}&byDataCenter=true"));
        Assert.Equal(siteCsv.Out.TrimEnd(), (await siteApi.Content.ReadAsStringAsync()).TrimEnd());

        // Day by day: its run fell on one UTC day (or two, across midnight), summing to the period's figure.
        var daily = await live.CliAsync("usage", tenant, "--csv", "--daily");
        Assert.True(daily.ExitCode == 0, daily.ToString());
        var days = daily.Out.TrimEnd().Split("\r\n");
        Assert.Equal("tenant,label,day,card_hours,gpu_memory_gib_hours,runs_ended", days[0]);
        Assert.InRange(days.Length - 1, 1, 2);
        Assert.All(days[1..], d => Assert.Matches($@"^{tenant},,\d{{4}}-\d\d-\d\d,[0-9.]+,[0-9.]+,[01]$", d));
        Assert.Equal(usage.CardHours, days[1..].Sum(d => double.Parse(d.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture)), 4);
        using var dailyApi = await live.Http.GetAsync(live.Url($"/api/usage.csv?tenant={tenant}&daily=true"));
        Assert.Equal(daily.Out.TrimEnd(), (await dailyApi.Content.ReadAsStringAsync()).TrimEnd());
        var alone = await live.CliAsync("usage", "--daily");
        Assert.Equal(2, alone.ExitCode);
        Assert.Contains("--daily: only with --csv", alone.Error);
    }

    [Fact]
    public async Task A_dry_run_says_where_a_task_would_run_or_why_not_and_submits_nothing()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var fits = await live.CliAsync("submit", "--dry-run", "--tenant", tenant, "--compute", "5", "--memory", "1GiB");
        Assert.True(fits.ExitCode == 0, fits.ToString());
        var lines = fits.Out.Trim().Split('\n');
        Assert.Equal("dry run, nothing submitted", lines[0]);
        Assert.Equal("quota: admitted now", lines[1]);
        Assert.Matches("^dc1: would run on dc1/node-[0-9] \\(dc1/node-[0-9]/[0-9]\\) now", lines[2]);

        // No node has 16 cards: exit 1, and why.
        var none = await live.CliAsync("submit", "--dry-run", "--tenant", tenant, "--gpus", "16", "--kind", "training");
        Assert.True(none.ExitCode == 1, none.ToString());
        Assert.Contains("dc1: 0 of 4 nodes take it now:", none.Out);

        // A job array: each of its tasks placed as if the ones before had been.
        var pair = await live.CliAsync("submit", "--dry-run", "--tenant", tenant, "--count", "2", "--compute", "5", "--memory", "1GiB");
        Assert.True(pair.ExitCode == 0, pair.ToString());
        Assert.Equal("dry run, nothing submitted (2 tasks, each placed as if the ones before had been)", pair.Out.Trim().Split('\n')[0]);
        Assert.Matches("^dc1: all 2 would run now, on dc1/node-", pair.Out.Trim().Split('\n')[2]);
        var many = await live.CliAsync("submit", "--dry-run", "--tenant", tenant, "--count", "40", "--gpus", "2", "--kind", "training");
        Assert.True(many.ExitCode == 1, many.ToString());
        Assert.Matches("dc1: [0-9]+ of 40 would run now, on .*; the rest would wait: ", many.Out);
        Assert.Empty(await live.Client.ListAsync(new TaskQuery(Tenant: tenant)));
    }

    [Fact]
    public async Task Pause_holds_a_running_task_where_it_is_or_a_step_not_started_and_resume_lets_it_go_on()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var id = "hold-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, (await live.CliAsync("submit", "--id", id, "--tenant", tenant, "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000", "--label", "project=llm", "--wait")).ExitCode);
        try
        {
            var paused = await live.CliAsync("pause", id, "--reason", "checking its inputs");
            Assert.True(paused.ExitCode == 0, paused.ToString());
            Assert.Equal($"{id} Suspended (held: checking its inputs)", paused.Out.Trim());
            Assert.Contains("paused by an operator", (await live.CliAsync("get", id)).Out);
            var resumed = await live.CliAsync("resume", id);
            Assert.Equal($"{id} Running", resumed.Out.Trim());

            var unknown = await live.CliAsync("pause", id + "-none");
            Assert.Equal(1, unknown.ExitCode);

            // A step not started yet is held: it says so, and resume lets it wait as before.
            Assert.Equal(0, (await live.CliAsync("submit", "--id", id + "-next", "--tenant", tenant, "--after", id, "--compute", "5", "--memory", "1GiB")).ExitCode);
            var held = await live.CliAsync("pause", id + "-next", "--reason", "new inputs coming");
            Assert.True(held.ExitCode == 0, held.ToString());
            Assert.Equal($"{id}-next Blocked (held: new inputs coming)", held.Out.Trim());
            Assert.Contains("held by an operator (new inputs coming): queued only when resumed", (await live.CliAsync("get", id + "-next")).Out);
            Assert.Equal($"{id}-next Blocked", (await live.CliAsync("resume", id + "-next")).Out.Trim());
        }
        finally
        {
            await live.CliAsync("cancel", id);
        }

        var ended = await live.CliAsync("pause", id);
        Assert.True(ended.ExitCode == 1, ended.ToString());
        Assert.Equal($"orion: task {id} is Cancelled: only a running, queued, blocked or scheduled task can be paused (cancel one that is not)", ended.Error.Trim());
    }

    [Fact]
    public async Task Events_lists_the_pools_feed_by_task_and_kind_and_follows_until_the_awaited_event_comes()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var id = "ev-" + Guid.NewGuid().ToString("N")[..6];

        // Followed before the task exists: the follow ends once its placement is printed.
        var follow = live.CliAsync("events", "--follow", "--task", id, "--kind", "placement", "--count", "1");
        var submit = await live.CliAsync("submit", "--id", id, "--tenant", tenant, "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        var followed = await follow.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(followed.ExitCode == 0, followed.ToString());
        var line = Assert.Single(followed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches($@"^\d\d:\d\d:\d\d\.\d{{3}}  placement\s+{id}\s+dc1/node-[01]\s", line);

        // Listed afterwards: a table, or JSON, of that task's events only.
        var table = await live.CliAsync("events", "--task", id);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("placement", table.Out);
        Assert.Contains(id, table.Out);
        var json = await live.CliAsync("events", "--task", id, "--json");
        using (var doc = JsonDocument.Parse(json.Out))
        {
            var placed = Assert.Single(doc.RootElement.EnumerateArray());
            Assert.Equal(("placement", id), (placed.GetProperty("kind").GetString(), placed.GetProperty("taskId").GetString()));
        }

        Assert.Empty(JsonDocument.Parse((await live.CliAsync("events", "--task", id, "--kind", "eviction", "--json")).Out).RootElement.EnumerateArray());
        await live.CliAsync("cancel", "--tenant", tenant);
    }

    [Fact]
    public async Task Logs_print_a_tasks_log_follow_it_to_its_end_and_tail_its_last_lines()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var id = "log-" + Guid.NewGuid().ToString("N")[..6];
        var submit = await live.CliAsync("submit", "--id", id, "--tenant", tenant, "--compute", "50", "--memory", "1GiB", "--items", "2", "--ms-per-item", "100");
        Assert.True(submit.ExitCode == 0, submit.ToString());

        // Followed, it ends when the task does, its last line the exit.
        var follow = await live.CliAsync("logs", id, "--follow");
        Assert.True(follow.ExitCode == 0, follow.ToString());
        var lines = follow.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("started: a batch of 2 items at 100 GPU-ms each on dc1/node-", lines[0]);
        Assert.EndsWith("exited: completed after 200 GPU-ms of work", lines[^1]);

        var tail = await live.CliAsync("logs", id, "--tail", "1");
        Assert.True(tail.ExitCode == 0, tail.ToString());
        Assert.Equal(lines[^1], tail.Out.Trim());
        var all = await live.CliAsync("logs", id);
        Assert.Equal(follow.Out, all.Out);

        // Its one run, listed by get, and its log by generation; a run it never had has none.
        Assert.Matches($"generation 1 on dc1/node-[0-9], .* to .*", (await live.CliAsync("get", id)).Out);
        Assert.Equal(follow.Out, (await live.CliAsync("logs", id, "--generation", "1")).Out);
        var none = await live.CliAsync("logs", id, "--generation", "2");
        Assert.True(none.ExitCode == 1, none.ToString());
        Assert.Equal($"orion: no log of task {id}'s run 2: no such run, it never started, or its node keeps no log of it", none.Error.Trim());
        Assert.Equal(2, (await live.CliAsync("logs", id, "--generation", "1", "--follow")).ExitCode);

        var unknown = await live.CliAsync("logs", "no-such-task-" + id);
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Equal($"orion: no task with id 'no-such-task-{id}'", unknown.Error.Trim());
    }

    [Fact]
    public async Task Label_and_taint_nodes_live_and_take_the_marks_off_again()
    {
        try
        {
            var label = await live.CliAsync("label", "dc1/node-0", "team=cli");
            Assert.True(label.ExitCode == 0, label.ToString());
            Assert.Equal("dc1/node-0 labels: team=cli", label.Out.Trim());
            Assert.Contains("team=cli", Assert.Single((await live.CliAsync("nodes")).Out.Split('\n'), l => l.Contains("dc1/node-0", StringComparison.Ordinal)));
            var taint = await live.CliAsync("taint", "dc1/node-2", "gpu=test", "--evict");
            Assert.True(taint.ExitCode == 0, taint.ToString());
            Assert.Equal(["dc1/node-2 taints: dedicated=ci,gpu=test", "0 task(s) that do not tolerate them moved off it"], taint.Out.Trim().Split('\n'));

            // The daemon's marks are its own; an unknown node is the cluster's no.
            var theirs = await live.CliAsync("label", "dc1/node-1", "zone-");
            Assert.True(theirs.ExitCode == 1, theirs.ToString());
            Assert.StartsWith("orion: label: labels[zone] is set by node dc1/node-1's daemon (--label zone=b)", theirs.Error.Trim(), StringComparison.Ordinal);
            var unknown = await live.CliAsync("taint", "dc1/nope", "a=b");
            Assert.True(unknown.ExitCode == 1, unknown.ToString());
            Assert.StartsWith("orion: node: nodeId must be a node of the pool", unknown.Error.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            Assert.Equal("dc1/node-0 labels: none", (await live.CliAsync("label", "dc1/node-0", "team-")).Out.Trim());
            Assert.Equal("dc1/node-2 taints: dedicated=ci", (await live.CliAsync("taint", "dc1/node-2", "gpu-")).Out.Trim());
        }
    }

    [Fact]
    public async Task Submit_a_gang_as_a_job_array_and_cancelling_one_member_ends_the_rest()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var gang = "g-" + Guid.NewGuid().ToString("N")[..6];
        var submit = await live.CliAsync("submit", "--id", gang, "--count", "2", "--gang", "--tenant", tenant,
            "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        Assert.Contains($"submitted {gang}-0", submit.Out);
        Assert.Contains($"submitted {gang}-1", submit.Out);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await live.Client.WaitForStateAsync($"{gang}-0", [TaskState.Running], timeout.Token);
        await live.Client.WaitForStateAsync($"{gang}-1", [TaskState.Running], timeout.Token);

        var json = await live.CliAsync("get", $"{gang}-0", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using (var doc = JsonDocument.Parse(json.Out))
        {
            Assert.Equal(gang, doc.RootElement.GetProperty("spec").GetProperty("gang").GetProperty("name").GetString());
            Assert.Equal([$"{gang}-1"], doc.RootElement.GetProperty("placement").GetProperty("gang").EnumerateArray().Select(e => e.GetString()));
        }

        var table = await live.CliAsync("get", $"{gang}-0");
        Assert.Contains($"{gang} (2 members), placed with {gang}-1; rank 0 of 2, rendezvous 127.0.0.1:{GangRendezvous.PortOf(tenant, gang)}", table.Out);

        var cancel = await live.CliAsync("cancel", $"{gang}-1");
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        var other = await live.Client.WaitForStateAsync($"{gang}-0", [TaskState.Cancelled], timeout.Token);
        Assert.StartsWith($"gang {gang}: member {gang}-1 cancelled", other.ExitReason);
    }

    [Fact]
    public async Task Submit_replicas_of_a_spread_group_and_they_run_on_different_nodes()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var id = "w-" + Guid.NewGuid().ToString("N")[..6];
        var submit = await live.CliAsync("submit", "--id", id, "--count", "2", "--spread", "web", "--tenant", tenant,
            "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var replicas = await Task.WhenAll(new[] { $"{id}-0", $"{id}-1" }.Select(id => live.Client.WaitForStateAsync(id, [TaskState.Running], timeout.Token)));
        Assert.NotEqual(replicas[0].Placement!.NodeId, replicas[1].Placement!.NodeId);

        var table = await live.CliAsync("get", $"{id}-0");
        Assert.Contains($"group web: at most 1 of {tenant}'s tasks of it on a node", table.Out);

        // The live silo has two nodes, each holding one already: a third that will not wait fails, naming its group.
        var third = await live.CliAsync("submit", "--id", $"{id}-2", "--spread", "web", "--tenant", tenant, "--fail-fast", "--compute", "5", "--memory", "1GiB");
        Assert.True(third.ExitCode == 1, third.ToString());
        Assert.Equal("every node with room for it holds 1 task(s) of its spread group web already", (await live.Client.GetAsync($"{id}-2"))!.ExitReason);

        // One that waits instead says why in its table.
        var fourth = await live.CliAsync("submit", "--id", $"{id}-3", "--spread", "web", "--tenant", tenant, "--compute", "5", "--memory", "1GiB");
        Assert.True(fourth.ExitCode == 0, fourth.ToString());
        var waiting = await live.CliAsync("get", $"{id}-3");
        Assert.Contains("holding 1 of its spread group web already", waiting.Out);

        // Spread over zones (--max-per-node is the older name of --max-per-domain): the live silo's node-1 alone has a zone.
        var zoned = await live.CliAsync("submit", "--id", $"{id}-z", "--spread", "zweb", "--topology-key", "zone", "--max-per-node", "1", "--tenant", tenant,
            "--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "10000000");
        Assert.True(zoned.ExitCode == 0, zoned.ToString());
        Assert.EndsWith("/node-1", (await live.Client.WaitForStateAsync($"{id}-z", [TaskState.Running], timeout.Token)).Placement!.NodeId);
        Assert.Contains($"group zweb: at most 1 of {tenant}'s tasks of it per zone (nodes with the same zone label)", (await live.CliAsync("get", $"{id}-z")).Out);
        await live.CliAsync("cancel", "--tenant", tenant);
    }

    [Fact]
    public async Task Submit_takes_a_yaml_spec_file_with_flags_over_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"orion-spec-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            name: from-yaml
            tenant: yaml-team
            priority: training/7
            compute: 10
            memory: 1GiB
            host-memory: 2GiB
            cpu: 1000
            items: 1
            ms-per-item: 10000000
            """);
        try
        {
            var run = await live.CliAsync("submit", "--file", file, "--name", "overridden", "--json");
            Assert.True(run.ExitCode == 0, run.ToString());
            var id = JsonDocument.Parse(run.Out).RootElement.GetProperty("taskId").GetString()!;
            var status = (await live.Client.GetAsync(id))!;
            await live.Client.CancelAsync(id);
            Assert.Equal("overridden", status.Spec.Name);
            Assert.Equal("yaml-team", status.Spec.Tenant);
            Assert.Equal(new TaskPriority(PriorityClass.Training, 7), status.Spec.Priority);
            Assert.Equal(ResourceRequest.Slice(10, 1024, 1000, 2048), status.Spec.Resources);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(2, "orion: priority: 'urgent' is not online, training or offline", "submit", "--priority", "urgent")]
    [InlineData(2, "orion: Unrecognized command or argument 'launch'", "launch")]
    [InlineData(2, "orion: --file:", "submit", "--file", "/no/such/spec.yaml")]
    [InlineData(2, "orion: the task spec was rejected: resources.computePercent", "submit", "--compute", "0")]
    [InlineData(1, "orion: no task with id 'no-such-task'", "get", "no-such-task")]
    [InlineData(1, "orion: no task with id 'no-such-task'", "cancel", "no-such-task")]
    public async Task Bad_input_and_unknown_tasks_exit_non_zero_with_one_line(int exitCode, string reason, params string[] args)
    {
        var run = await live.CliAsync(args);
        Assert.True(run.ExitCode == exitCode, run.ToString());
        Assert.StartsWith(reason, run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_connected_client_leaves_the_applications_signals_and_exit_to_it()
    {
        // The host's default console lifetime took Ctrl+C and SIGTERM for itself and held the process's exit until the
        // client was disposed: a CLI whose command was still closing its connection after a signal never exited.
        var lifetime = live.Client.HostServices!.GetRequiredService<Microsoft.Extensions.Hosting.IHostLifetime>();
        Assert.IsType<Orion.Client.ClientHostLifetime>(lifetime);
    }

    [Theory]
    [InlineData("TERM", 1)]
    [InlineData("INT", 2)] // `timeout` and a terminal may deliver a signal twice
    public async Task A_signal_stops_submit_wait_on_a_queued_task_with_one_line_naming_it(string signal, int times)
    {
        // More memory than any card has: the task queues, and --wait waits until the signal (it crashed with a stack trace).
        var id = "t-wait-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var run = await live.CliAsync(
                async pid =>
                {
                    await ObservabilityTests.Eventually(async () => Assert.NotNull(await live.Client.GetAsync(id)));
                    for (var i = 0; i < times; i++)
                    {
                        await using var kill = ChildProcess.Run("kill", ["-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                        await kill.WaitForExitAsync(TimeSpan.FromSeconds(10));
                    }
                },
                "submit", "-q", "--wait", "--id", id, "--priority", "offline", "--compute", "10", "--memory", "500GiB", "--items", "1", "--ms-per-item", "1");
            Assert.True(run.ExitCode == 130, run.ToString());
            Assert.Equal($"orion: stopped waiting for task {id}: it is Pending and stays submitted (orion cancel {id} drops it)", run.Error.TrimEnd());
            Assert.Equal("", run.Out);
            Assert.Equal(TaskState.Pending, (await live.Client.GetAsync(id))!.State);
        }
        finally
        {
            await live.Client.CancelAsync(id);
        }
    }

    [Fact]
    public async Task An_unreachable_cluster_exits_3_with_one_line()
    {
        var run = await LiveSilo.RunCliAsync("--gateway", "127.0.0.1:1", "ls");
        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith("orion: cannot reach the cluster at 127.0.0.1:1", run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
        Assert.Equal("", run.Out);
    }
}
