using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary><c>orion cordon</c>, <c>drain</c> and <c>uncordon</c>, as their own processes, against the real silo process.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class CliCordonTests(LiveSilo live)
{
    [Fact]
    public async Task Drain_moves_a_running_task_to_the_other_node_and_nodes_shows_the_cordon_until_uncordon()
    {
        var task = await live.Client.SubmitAsync(Specs.Batch(computePercent: 30, gpuMemoryMiB: 2048, items: 1, gpuMsPerItem: 10_000_000, tenant: "cli-drain"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = await live.Client.WaitForStateAsync(task.TaskId, [TaskState.Running], cts.Token);
        var from = running.Placement!.NodeId;
        var other = from == "dc1/node-0" ? "dc1/node-1" : "dc1/node-0";
        try
        {
            var drain = await live.CliAsync("drain", from, "--reason", "kernel upgrade");
            Assert.True(drain.ExitCode == 0, drain.ToString());
            Assert.Equal($"{from} cordoned; 1 task(s) moved off it: {task.TaskId}", drain.Out.Trim());

            var moved = await live.Client.WaitForStateAsync(task.TaskId, [TaskState.Running], cts.Token);
            Assert.Equal((other, running.Generation + 1), (moved.Placement!.NodeId, moved.Generation));

            var nodes = await live.CliAsync("nodes");
            Assert.True(nodes.ExitCode == 0, nodes.ToString());
            Assert.Contains("cordoned: kernel upgrade", nodes.Out);
            await ObservabilityTests.Eventually(async () => Assert.Equal((1.0, 0.0), await NodeGauges(from)));

            var uncordon = await live.CliAsync("uncordon", from);
            Assert.True(uncordon.ExitCode == 0, uncordon.ToString());
            Assert.Null((await live.Client.GetNodeAsync(from))!.CordonReason);
            await ObservabilityTests.Eventually(async () => Assert.Equal((0.0, 1.0), await NodeGauges(from)));
        }
        finally
        {
            await live.Client.UncordonAsync(from);
            await live.Client.CancelAsync(task.TaskId);
        }
    }

    /// <summary>The node's orion_node_cordoned and orion_node_schedulable gauges in a Prometheus scrape.</summary>
    private async Task<(double Cordoned, double Schedulable)> NodeGauges(string nodeId)
    {
        var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
        double Gauge(string name) => Assert.Single(samples, s => s.Name == name && s.Labels.GetValueOrDefault("orion_node_id") == nodeId).Value;
        return (Gauge("orion_node_cordoned"), Gauge("orion_node_schedulable"));
    }

    [Fact]
    public async Task A_card_cordoned_shows_as_such_in_gpus_nodes_and_metrics_and_takes_work_again_once_uncordoned()
    {
        const string card = "dc1/node-2/0";
        try
        {
            var cordon = await live.CliAsync("cordon", card, "--reason", "ECC errors rising");
            Assert.True(cordon.ExitCode == 0, cordon.ToString());
            Assert.Equal($"{card} cordoned", cordon.Out.Trim());
            await ObservabilityTests.Eventually(async () =>
            {
                var gpus = await live.CliAsync("gpus");
                Assert.Contains("cordoned: ECC errors rising", Assert.Single(gpus.Out.Split('\n'), l => l.Contains(card, StringComparison.Ordinal)));
                Assert.Matches(@"dc1/node-2\s*│.*│\s*1 \(1 cordoned\)\s*│", (await live.CliAsync("nodes")).Out);
                var samples = PrometheusSample.Parse(await live.Http.GetStringAsync(live.Url("/metrics")));
                Assert.Equal(1, Assert.Single(samples, s => s.Name == "orion_gpu_cordoned" && s.Labels.GetValueOrDefault("orion_gpu_id") == card).Value);
            });

            var uncordon = await live.CliAsync("uncordon", card);
            Assert.True(uncordon.ExitCode == 0, uncordon.ToString());
            await ObservabilityTests.Eventually(async () =>
                Assert.Contains("│ ok ", Assert.Single((await live.CliAsync("gpus")).Out.Split('\n'), l => l.Contains(card, StringComparison.Ordinal))));
        }
        finally
        {
            await live.Client.UncordonCardAsync(card);
        }

        var unknown = await live.CliAsync("drain", "dc1/node-0/9");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Equal("orion: card: gpuId must be a card of the pool (dc/node/index); 'dc1/node-0/9' is not one", unknown.Error.Trim());
    }

    [Fact]
    public async Task Drain_with_wait_moves_a_deployments_replicas_one_at_a_time_until_the_node_is_empty()
    {
        var name = "cli-drain-wait-" + Guid.NewGuid().ToString("N")[..6];

        // Only node-0 takes this work while node-1 is cordoned (node-2 is tainted, node-3's card broken): both replicas land there.
        await live.Client.CordonAsync("dc1/node-1", "kept free for a drain test");
        try
        {
            await live.Client.DeployAsync(name, Specs.Batch(computePercent: 5, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 10_000_000, tenant: "cli-drain-wait", name: name), 2);
            string[] replicas = [];
            await ObservabilityTests.Eventually(async () =>
            {
                var deployment = (await live.Client.GetDeploymentAsync(name))!;
                Assert.Equal(2, deployment.Ready);
                Assert.All(deployment.Tasks, t => Assert.Equal("dc1/node-0", t.NodeId));
                replicas = [.. deployment.Tasks.Select(t => t.TaskId)];
            });
            await live.Client.UncordonAsync("dc1/node-1");

            var drain = await live.CliAsync("drain", "dc1/node-0", "--reason", "budget check", "--wait", "--within", "2m");
            Assert.True(drain.ExitCode == 0, drain.ToString());
            var lines = drain.Out.Trim().Split('\n');
            Assert.StartsWith("dc1/node-0 cordoned; ", lines[0]);
            var first = Assert.Single(replicas, r => lines[0].Contains(r, StringComparison.Ordinal));
            var second = Assert.Single(replicas, r => r != first);
            Assert.Contains(lines.Skip(1), l => l.StartsWith("then moved off it: ", StringComparison.Ordinal) && l.Contains(second, StringComparison.Ordinal));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            foreach (var replica in replicas)
            {
                Assert.Equal("dc1/node-1", (await live.Client.WaitForStateAsync(replica, [TaskState.Running], cts.Token)).Placement!.NodeId);
            }
        }
        finally
        {
            await live.Client.UncordonAsync("dc1/node-0");
            await live.Client.UncordonAsync("dc1/node-1");
            await live.Client.DeleteDeploymentAsync(name);
        }
    }

    [Fact]
    public async Task Cordoning_a_node_the_pool_does_not_have_is_the_clusters_no_in_one_line()
    {
        var run = await live.CliAsync("cordon", "dc1/no-such-node");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("orion: node: nodeId must be a node of the pool (dc/node); 'dc1/no-such-node' is not one", run.Error.Trim());
    }
}
