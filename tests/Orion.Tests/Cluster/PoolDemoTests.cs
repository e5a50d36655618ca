using Orion.Contracts;
using Orion.Silo;
using Spectre.Console;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class PoolDemoTests
{
    [Fact]
    public async Task The_demo_queues_runs_and_completes_its_whole_mix()
    {
        await using var pool = await StartAsync([Node("node-0"), Node("node-1")]);
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        console.Profile.Width = 200;
        // The demo and the simulated GPUs share the fake clock: it moves on while the demo watches.
        var demo = new PoolDemo(pool.Client, console, pool.Clock).RunAsync(CancellationToken.None);
        Assert.Equal(0, await pool.WhileAdvancing(demo, TimeSpan.FromHours(1), TimeSpan.FromMilliseconds(250)));

        // Every batch and training task completed and every service was cancelled; the mix queued (more than the pool holds).
        var tasks = await pool.Client.ListAsync();
        var finite = tasks.Where(t => t.Spec.Workload.Kind != WorkloadKind.Service).ToList();
        Assert.NotEmpty(finite);
        Assert.All(finite, t => Assert.Equal(TaskState.Completed, t.State));
        Assert.All(tasks.Except(finite), t => Assert.Equal(TaskState.Cancelled, t.State));
        Assert.NotEqual(tasks.Count, finite.Count);
        Assert.Contains($"{finite.Count}/{finite.Count} batch and training tasks completed", output.ToString());
        Assert.Contains("Pending", output.ToString());
        Assert.Contains("· gang", output.ToString());
        var gang = tasks.Where(t => t.Spec.Gang is not null).ToList();
        Assert.Equal(3, gang.Count);
        Assert.All(gang, t => Assert.Equal(2, t.Placement!.Gang.Length));
        Assert.Contains("· spread chat-api", output.ToString());
        var replicas = tasks.Where(t => t.Spec.Constraints.Spread is not null).ToList();
        Assert.Equal(["chat-api.1", "chat-api.2"], replicas.Select(t => t.TaskId).Order());
        Assert.Equal(2, replicas.Select(t => t.Placement!.NodeId).Distinct().Count());
        Assert.All(replicas, t => Assert.Contains("deployment chat-api deleted: demo over", t.ExitReason));
        Assert.Null(await pool.Client.GetDeploymentAsync("chat-api"));

        // The index step ran after the last embedding batch ended, and showed blocked until then.
        var index = Assert.Single(tasks, t => t.Spec.Name == "build-index");
        var embeddings = tasks.Where(t => t.Spec.Name.StartsWith("nightly-embed-", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, index.Spec.After!.Count);
        Assert.True(index.StartedAt >= embeddings.Max(t => t.EndedAt), $"{index.StartedAt} before {embeddings.Max(t => t.EndedAt)}");
        Assert.Contains("· after 6 task(s)", output.ToString());
        Assert.Contains("Blocked", output.ToString());
        await pool.EventuallyAsync(async () =>
        {
            foreach (var n in pool.Nodes)
            {
                Assert.All((await pool.NodeSnapshot(n.Name)).Gpus, g => Assert.Empty(g.Slices));
            }
        });
    }
}
