using System.Text.Json;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary><c>orion deploy</c>, <c>scale</c>, <c>deployments</c> and <c>undeploy</c>, as their own processes, against the real silo process.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class CliDeploymentTests(LiveSilo live)
{
    private static readonly string[] Replica = ["--compute", "5", "--memory", "1GiB", "--items", "1", "--ms-per-item", "100000000"];

    private async Task<DeploymentStatus> Until(string name, Func<DeploymentStatus, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = (await live.Client.GetDeploymentAsync(name))!;
            if (condition(status))
            {
                return status;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    [Fact]
    public async Task Deploy_scale_list_roll_out_roll_back_and_undeploy_a_deployment()
    {
        var name = "cli-web-" + Guid.NewGuid().ToString("N")[..6];
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var deploy = await live.CliAsync(["deploy", name, "--replicas", "2", "--tenant", tenant, "--priority", "online", .. Replica]);
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            Assert.Contains($"{name}.1", deploy.Out);
            Assert.Contains($"{name}.2", deploy.Out);
            var ready = await Until(name, d => d.Ready == 2);
            Assert.Equal(name, ready.Template.Name);

            // Kept apart where they can be: the live silo's two free nodes take one each.
            Assert.NotEqual(ready.Tasks[0].NodeId, ready.Tasks[1].NodeId);
            var list = await live.CliAsync("deployments");
            Assert.True(list.ExitCode == 0, list.ToString());
            var row = Assert.Single(list.Out.Split('\n'), l => l.Contains(name, StringComparison.Ordinal));
            Assert.Contains("2/2", row);
            Assert.Contains("ready", row);
            var top = await live.CliAsync("top", "--count", "1");
            Assert.True(top.ExitCode == 0, top.ToString());
            Assert.Contains("DEPLOYMENT", top.Out);
            Assert.Contains("ready", Assert.Single(top.Out.Split('\n'), l => l.Contains(name + " ", StringComparison.Ordinal) && l.Contains("2/2", StringComparison.Ordinal)));
            var pause = await live.CliAsync("rollout", "pause", name, "--json");
            Assert.True(pause.ExitCode == 0, pause.ToString());
            Assert.True(JsonDocument.Parse(pause.Out).RootElement.GetProperty("paused").GetBoolean());
            var resume = await live.CliAsync("rollout", "resume", name, "--json");
            Assert.False(JsonDocument.Parse(resume.Out).RootElement.GetProperty("paused").GetBoolean());
            var one = await live.CliAsync("deployments", name, "--json");
            Assert.True(one.ExitCode == 0, one.ToString());
            var json = JsonDocument.Parse(one.Out).RootElement;
            Assert.Equal(2, json.GetProperty("replicas").GetInt32());
            Assert.Equal(2, json.GetProperty("tasks").GetArrayLength());

            // A replica cancelled by hand comes back under the next serial.
            Assert.Equal(0, (await live.CliAsync("cancel", $"{name}.1")).ExitCode);
            var healed = await Until(name, d => d.Ready == 2 && d.Tasks.Any(t => t.TaskId == $"{name}.3"));
            Assert.Equal([$"{name}.2", $"{name}.3"], healed.Tasks.Select(t => t.TaskId));

            var scale = await live.CliAsync("scale", name, "1");
            Assert.True(scale.ExitCode == 0, scale.ToString());
            Assert.Equal(TaskState.Cancelled, (await live.Client.GetAsync($"{name}.3"))!.State);

            // A changed spec is a new revision, rolled out: its replica runs, then the old one goes.
            var change = await live.CliAsync(["deploy", name, "--replicas", "1", "--tenant", tenant, "--priority", "online", "--compute", "6", "--memory", "1GiB", "--items", "1", "--ms-per-item", "100000000"]);
            Assert.True(change.ExitCode == 0, change.ToString());
            Assert.Contains("revision 2", change.Out);
            var rolled = await Until(name, d => !d.Rolling && d.Ready == 1);
            Assert.Equal(2, rolled.Revision);
            Assert.Equal(60, (await live.Client.GetAsync(rolled.Tasks[0].TaskId))!.Spec.Resources.ComputeMilli);
            Assert.Contains("replaced it with revision 2", (await live.Client.GetAsync($"{name}.2"))!.ExitReason);

            var rollback = await live.CliAsync("rollback", name, "--wait", "--json");
            Assert.True(rollback.ExitCode == 0, rollback.ToString());
            var rolledOut = JsonDocument.Parse(rollback.Out).RootElement;
            Assert.Equal(3, rolledOut.GetProperty("revision").GetInt32());
            Assert.Equal(1, rolledOut.GetProperty("tasks").GetArrayLength());
            Assert.Equal(3, rolledOut.GetProperty("tasks")[0].GetProperty("revision").GetInt32());
            Assert.Equal(50, (await live.Client.GetDeploymentAsync(name))!.Template.Resources.ComputeMilli);

            // To a revision named: revision 2's spec again, as revision 4; the revisions kept are listed with the deployment.
            var to = await live.CliAsync("rollback", name, "--to", "2");
            Assert.True(to.ExitCode == 0, to.ToString());
            Assert.Equal(60, (await live.Client.GetDeploymentAsync(name))!.Template.Resources.ComputeMilli);
            var rolledBack = await Until(name, d => d.Revision == 4 && !d.Rolling && d.Ready == 1);
            var shown = await live.CliAsync("deployments", name);
            Assert.Contains("4 (current)", shown.Out);
            Assert.Contains("REVISION", shown.Out);
            var notKept = await live.CliAsync("rollback", name, "--to", "9");
            Assert.Equal(1, notKept.ExitCode);
            Assert.Contains("toRevision must be an earlier revision, 1 to 3, not 9 (the current one is 4)", notKept.Error);

            var undeploy = await live.CliAsync("undeploy", name, "--reason", "done with it");
            Assert.True(undeploy.ExitCode == 0, undeploy.ToString());
            Assert.Equal($"deleted deployment {name}: cancelled 1 replica(s)", undeploy.Out.Trim());
            Assert.Equal(TaskState.Cancelled, (await live.Client.GetAsync(rolledBack.Tasks[0].TaskId))!.State);
            var gone = await live.CliAsync("deployments", name);
            Assert.True(gone.ExitCode == 1, gone.ToString());
            Assert.Equal($"orion: no deployment {name}", gone.Error.Trim());
        }
        finally
        {
            await live.Client.DeleteDeploymentAsync(name);
        }
    }

    [Fact]
    public async Task A_deployment_that_scales_itself_shows_its_bounds_and_is_not_scaled_by_hand()
    {
        var name = "cli-auto-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var deploy = await live.CliAsync(["deploy", name, "--max-replicas", "3", "--target-busy", "60", "--tenant", "cli-auto", "--priority", "online", .. Replica]);
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            Assert.Contains("1–3 at 60% busy", deploy.Out);
            Assert.Equal(new AutoscaleSpec(1, 3, 60), (await live.Client.GetDeploymentAsync(name))!.Autoscale);
            var list = await live.CliAsync("deployments");
            Assert.Contains("1–3 at 60% busy", Assert.Single(list.Out.Split('\n'), l => l.Contains(name, StringComparison.Ordinal)));
            var scale = await live.CliAsync("scale", name, "2");
            Assert.True(scale.ExitCode == 1, scale.ToString());
            Assert.Contains("scales itself from 1 to 3", scale.Error);

            // On a metric its replicas serve (a batch replica too), read by their daemon from a real page on the loopback.
            await using var page = new Metrics.MetricsPage(Metrics.MetricsPage.Vllm(waiting: 5));
            var onMetric = await live.CliAsync(["deploy", name, "--max-replicas", "3", "--scale-metric", "vllm:num_requests_waiting", "--target-value", "5", "--metrics-at", $":{page.Port}",
                "--tenant", "cli-auto", .. Replica]);
            Assert.True(onMetric.ExitCode == 0, onMetric.ToString());
            Assert.Contains($"1–3 on vllm:num_requests_waiting at 5 per replica (GET :{page.Port}/metrics)", onMetric.Out);
            Assert.Equal(new ScaleMetric("vllm:num_requests_waiting", 5, page.Port), (await live.Client.GetDeploymentAsync(name))!.Autoscale!.Metric);
            await Until(name, d => d.MetricValue == 5);
            Assert.Contains("5 per replica at the last look", (await live.CliAsync("deployments", name)).Out);
        }
        finally
        {
            await live.Client.DeleteDeploymentAsync(name);
        }
    }

    [Fact]
    public async Task A_spec_files_deployment_section_gives_replicas_autoscale_and_strategy_and_a_flag_replaces_its_key()
    {
        var name = "cli-manifest-" + Guid.NewGuid().ToString("N")[..6];
        var file = Path.Combine(Path.GetTempPath(), name + ".yaml");
        await File.WriteAllTextAsync(file, $"""
            tenant: cli-manifest
            compute: 5
            memory: 1GiB
            items: 1
            ms-per-item: 100000000
            deployment:
              replicas: 2
              autoscale: {"{"}max: 3, metric: "vllm:num_requests_waiting", target: 5, at: ":9"{"}"}
              strategy:
                max-surge: 0
                max-unavailable: 1
                min-ready: 30s
            """, TestContext.Current.CancellationToken);
        try
        {
            var deploy = await live.CliAsync("deploy", name, "-f", file, "--min-ready", "1m");
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            var made = (await live.Client.GetDeploymentAsync(name))!;
            Assert.Equal(2, made.Replicas);
            Assert.Equal(new AutoscaleSpec(1, 3, Metric: new ScaleMetric("vllm:num_requests_waiting", 5, 9)), made.Autoscale);
            Assert.Equal(new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = 1, MinReady = TimeSpan.FromMinutes(1) }, made.Strategy);

            // Written back as a file, it is deployed again as it is: the same revision, count, scaling and strategy.
            var manifest = await live.CliAsync("deployments", name, "--manifest");
            Assert.True(manifest.ExitCode == 0, manifest.ToString());
            Assert.Contains("min-ready: 1m", manifest.Out);
            await File.WriteAllTextAsync(file, manifest.Out, TestContext.Current.CancellationToken);
            var again = await live.CliAsync("deploy", name, "-f", file);
            Assert.True(again.ExitCode == 0, again.ToString());
            var same = (await live.Client.GetDeploymentAsync(name))!;
            Assert.Equal((1, 2, made.Autoscale, made.Strategy), (same.Revision, same.Replicas, same.Autoscale, same.Strategy));

            // A task submitted once has no replicas: the section is refused there, and nothing is submitted.
            var submit = await live.CliAsync("submit", "--id", name, "-f", file);
            Assert.True(submit.ExitCode == 2, submit.ToString());
            Assert.Equal("orion: deployment: applies to orion deploy only (a task submitted once has no replicas)", submit.Error.Trim());
            Assert.Null(await live.Client.GetAsync(name));
        }
        finally
        {
            await live.Client.DeleteDeploymentAsync(name);
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_deployment_deployed_with_a_strategy_keeps_and_shows_it()
    {
        var name = "cli-strategy-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var deploy = await live.CliAsync(["deploy", name, "--max-surge", "0", "--max-unavailable", "1", "--disruption-budget", "50%", "--min-ready", "3m", "--progress-deadline", "10m", "--rollback-on-failure", "--tenant", "cli-strategy", .. Replica]);
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            Assert.Contains("surge 0, unavailable 1; drains move 50% at a time; ready after 3m running; fails after 10m without progress; rolls back on failure", deploy.Out);
            Assert.Equal(
                new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = 1, DisruptionBudget = ReplicaCount.Share(50), MinReady = TimeSpan.FromMinutes(3), ProgressDeadline = TimeSpan.FromMinutes(10), RollBackOnFailure = true },
                (await live.Client.GetDeploymentAsync(name))!.Strategy);
            var json = JsonDocument.Parse((await live.CliAsync("deployments", name, "--json")).Out).RootElement;
            Assert.Equal("50%", json.GetProperty("strategy").GetProperty("disruptionBudget").GetString());

            // Running, but not yet for its three minutes: shown warming up, not ready.
            await Until(name, d => d.Tasks.Any(t => t.Warming));
            var shown = await live.CliAsync("deployments", name);
            Assert.Contains("Running (warming up)", shown.Out);
            Assert.Contains("0 of 1 (revision 1)", shown.Out);
            Assert.Equal(0, json.GetProperty("strategy").GetProperty("maxSurge").GetInt32());

            // Deployed again without: the default, as for every other field left out.
            Assert.Equal(0, (await live.CliAsync(["deploy", name, "--tenant", "cli-strategy", .. Replica])).ExitCode);
            Assert.Equal(DeploymentStrategy.Default, (await live.Client.GetDeploymentAsync(name))!.Strategy);
        }
        finally
        {
            await live.Client.DeleteDeploymentAsync(name);
        }
    }

    [Fact]
    public async Task Deploy_wait_and_rollout_status_follow_a_rollout_to_its_end_or_say_why_it_is_stuck()
    {
        var name = "cli-wait-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var deploy = await live.CliAsync(["deploy", name, "--wait", "--within", "2m", "--tenant", "cli-wait", .. Replica]);
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            Assert.Contains($"deployment {name}: revision 1 rolled out: 1 of 1 ready", deploy.Out);
            Assert.Equal(1, (await live.Client.GetDeploymentAsync(name))!.Ready);

            var status = await live.CliAsync("rollout", "status", name, "--json");
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Equal(1, JsonDocument.Parse(status.Out).RootElement.GetProperty("revision").GetInt32());

            // A replica no card can hold: the wait runs out, naming why it waits.
            var stuck = await live.CliAsync(["deploy", name, "--wait", "--within", "3s", "--tenant", "cli-wait", "--compute", "5", "--memory", "4000GiB", "--items", "1", "--ms-per-item", "100000000"]);
            Assert.True(stuck.ExitCode == 1, stuck.ToString());
            Assert.Contains($"deployment {name}: revision 2: 0 of 1 new replicas ready, 1 not yet, 1 old live", stuck.Out);
            Assert.StartsWith($"orion: deployment {name}: not rolled out after 3s; {name}.2 waits: ", stuck.Error);
        }
        finally
        {
            await live.Client.DeleteDeploymentAsync(name);
        }

        var none = await live.CliAsync("rollout", "status", "no-such-deployment");
        Assert.True(none.ExitCode == 1, none.ToString());
        Assert.Equal("orion: no deployment no-such-deployment", none.Error.Trim());
    }

    [Fact]
    public async Task A_deployment_with_probes_shows_a_replica_not_ready_saying_why_and_rolls_out_once_it_passes()
    {
        var name = "cli-probe-" + Guid.NewGuid().ToString("N")[..6];
        var directory = Directory.CreateTempSubdirectory("orion-cli-probe-");
        await using var ready = new Probes.ProbeTarget();
        await using var alive = new Probes.ProbeTarget(up: true);
        var (get, check) = (ready.Probe.Target, alive.Probe.Target);
        var file = Path.Combine(directory.FullName, "web.yaml");
        await File.WriteAllTextAsync(file, $"readiness:\n  get: \"{get[4..]}\"\n  every: 1s\nliveness: {{get: \"{check[4..]}\", every: 1m}}\n");
        try
        {
            // Running, its probe failing: the wait runs out naming why.
            var deploy = await live.CliAsync(["deploy", name, "--file", file, "--wait", "--within", "3s", "--tenant", "cli-probe", "--stop-grace", "30s", .. Replica]);
            Assert.True(deploy.ExitCode == 1, deploy.ToString());
            Assert.StartsWith($"orion: deployment {name}: not rolled out after 3s; {name}.1 waits: not ready: {ready.Failure} (revision 1: 0 of 1 new", deploy.Error.Trim());
            Assert.Contains("Running (not ready)", (await live.CliAsync("deployments", name)).Out);
            var replica = (await live.CliAsync("get", $"{name}.1")).Out;
            Assert.Contains($"{get} every 1s (timeout 1s, 3 failures): not ready ({ready.Failure})", replica);
            Assert.Contains($"{check} every 1m (timeout 1s, 3 failures): stopped as failed after 3 in a row", replica);
            Assert.Contains("30s between SIGTERM and SIGKILL", replica);

            ready.Up = true;
            var rolled = await live.CliAsync("rollout", "status", name, "--within", "30s");
            Assert.True(rolled.ExitCode == 0, rolled.ToString());
            Assert.Contains($"deployment {name}: revision 1 rolled out: 1 of 1 ready", rolled.Out);
            Assert.Contains($"{get} every 1s (timeout 1s, 3 failures): ready", (await live.CliAsync("get", $"{name}.1")).Out);
        }
        finally
        {
            await live.Client.DeleteDeploymentAsync(name);
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("orion: --within applies with --wait", "deploy", "web", "--within", "1m")]
    [InlineData("orion: the deployment was rejected: strategy.maxUnavailable must be above 0 when strategy.maxSurge is 0", "deploy", "web", "--max-surge", "0")]
    [InlineData("orion: --max-surge: " + ReplicaCount.Rule, "deploy", "web", "--max-surge", "a quarter")]
    [InlineData("orion: --min-ready: " + Durations.Rule, "deploy", "web", "--min-ready", "soon")]
    [InlineData("orion: --progress-deadline: " + Durations.Rule, "deploy", "web", "--progress-deadline", "soon")]
    [InlineData("orion: the deployment was rejected: strategy.progressDeadline must be 0 (none) or 1 minute to 1 day, and above strategy.minReady", "deploy", "web", "--progress-deadline", "1m", "--min-ready", "2m")]
    [InlineData("orion: --max-replicas (autoscale.max): must be given to scale a deployment by demand (with --min-replicas, --target-busy or --scale-metric)", "deploy", "web", "--min-replicas", "2")]
    [InlineData("orion: --scale-metric: " + MetricSelector.Rule, "deploy", "web", "--max-replicas", "3", "--scale-metric", "sum(queue)")]
    [InlineData("orion: --metrics-at (autoscale.at): must be given with a metric", "deploy", "web", "--max-replicas", "3", "--scale-metric", "queue", "--target-value", "4")]
    [InlineData("orion: --target-busy (autoscale.target-busy): scales on busy time; with a metric the target is --target-value (autoscale.target)", "deploy", "web", "--max-replicas", "3", "--scale-metric", "queue", "--target-busy", "50")]
    [InlineData("orion: the deployment was rejected: template.priority must be of the Online class to autoscale", "deploy", "web", "--max-replicas", "3")]
    [InlineData("orion: name: a deployment's name must be 1 to 50", "deploy", "-bad")]
    [InlineData("orion: replicas: must be 0 to 1000", "scale", "web", "1001")]
    [InlineData("orion: --replicas: must be 0 to 1000", "deploy", "web", "--replicas", "-1")]
    [InlineData("orion: the deployment was rejected: template.constraints.failIfUnplaceable must be false", "deploy", "web", "--fail-fast")]
    public async Task Bad_input_exits_2_with_one_line_naming_the_rule(string reason, params string[] args)
    {
        var run = await live.CliAsync(args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith(reason, run.Error);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
        Assert.Null(await live.Client.GetDeploymentAsync("web"));
    }

    [Fact]
    public async Task Scaling_or_undeploying_an_unknown_deployment_exits_1()
    {
        var scale = await live.CliAsync("scale", "no-such-deployment", "2");
        Assert.True(scale.ExitCode == 1, scale.ToString());
        Assert.StartsWith("orion: the deployment was rejected: name 'no-such-deployment' is not a deployment", scale.Error);
        var undeploy = await live.CliAsync("undeploy", "no-such-deployment");
        Assert.True(undeploy.ExitCode == 1, undeploy.ToString());
        Assert.Equal("orion: no deployment no-such-deployment", undeploy.Error.Trim());
        var pause = await live.CliAsync("rollout", "pause", "no-such-deployment");
        Assert.True(pause.ExitCode == 1, pause.ToString());
        Assert.StartsWith("orion: the deployment was rejected: name 'no-such-deployment' is not a deployment", pause.Error);
    }
}
