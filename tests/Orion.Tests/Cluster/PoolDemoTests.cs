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
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // The simulated GPUs run on the fake clock: keep it moving while the demo watches.
        var demo = new PoolDemo(pool.Client, console, TimeProvider.System).RunAsync(stop.Token);
        while (!demo.IsCompleted)
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(10);
        }

        Assert.Equal(0, await demo);
        Assert.Contains("14/14 batch and training tasks completed", output.ToString());
        Assert.Contains("Pending", output.ToString());
        Assert.Equal(18, (await pool.Client.ListAsync()).Count);
        await pool.EventuallyAsync(async () =>
        {
            foreach (var n in pool.Nodes)
            {
                Assert.All((await pool.NodeSnapshot(n.Name)).Gpus, g => Assert.Empty(g.Slices));
            }
        });
    }
}
