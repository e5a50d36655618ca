using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class AllocationInvariantTests
{
    [Theory]
    [InlineData(11)]
    [InlineData(23)]
    [InlineData(37)]
    public async Task Random_submit_cancel_and_complete_keep_every_card_equal_to_its_tasks_slices(int seed)
    {
        var random = new Random(seed);
        await using var pool = await StartAsync([Node("n0", gpus: 2, cpu: 16_000), Node("n1", gpus: 2, cpu: 16_000)]);
        var ids = new List<string>();

        for (var step = 0; step < 30; step++)
        {
            switch (random.Next(10))
            {
                case < 5:
                    var id = $"s{seed}-{step}";
                    var spec = random.Next(4) == 0
                        ? Specs.Training(2, steps: random.Next(1, 20), gpuMsPerStep: 100, priority: (PriorityClass)random.Next(3))
                        : Specs.Batch(
                            computePercent: 10 * random.Next(1, 11),
                            gpuMemoryMiB: 1024 * random.Next(1, 40),
                            items: random.Next(1, 20),
                            gpuMsPerItem: 100,
                            priority: (PriorityClass)random.Next(3),
                            level: random.Next(3),
                            cpuMilli: 1000 * random.Next(0, 6));
                    await pool.SubmitAsync(spec, id);
                    ids.Add(id);
                    break;
                case < 7 when ids.Count > 0:
                    await pool.Client.CancelAsync(ids[random.Next(ids.Count)]);
                    break;
                default:
                    pool.Advance(TimeSpan.FromMilliseconds(random.Next(0, 1500)));
                    break;
            }

            await pool.EventuallyAsync(() => pool.AssertConsistentAsync(ids));
            await pool.EventuallyAsync(() => AssertNothingWaitsThatFits(pool, ids));
        }

        // Let everything finish: every card ends empty.
        foreach (var id in ids.Where(i => random.Next(2) == 0))
        {
            await pool.Client.CancelAsync(id);
        }

        // Queued tasks start as others end; keep the clock moving until all are done.
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMinutes(1));
            foreach (var id in ids)
            {
                Assert.True((await pool.StateOf(id)).IsTerminal(), $"{id} is {await pool.StateOf(id)}");
            }
        });
        await pool.EventuallyAsync(async () =>
        {
            foreach (var node in pool.Nodes)
            {
                Assert.All((await pool.NodeSnapshot(node.Name)).Gpus, g => Assert.Empty(g.Slices));
            }
        });
    }

    /// <summary>Work conservation: no pending task would fit on a node as it stands.</summary>
    private static async Task AssertNothingWaitsThatFits(TestPool pool, IEnumerable<string> ids)
    {
        var pending = (await Task.WhenAll(ids.Select(id => pool.Client.GetAsync(id)))).Where(s => s!.State == TaskState.Pending).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var nodes = await Task.WhenAll(pool.Nodes.Select(n => pool.NodeSnapshot(n.Name)));
        foreach (var task in pending)
        {
            var request = Orion.Grains.Scheduling.PlacementRequest.From(task!.Spec);
            foreach (var node in nodes)
            {
                Assert.False(Orion.Grains.Scheduling.Feasibility.NodeFits(Orion.Grains.Scheduling.NodeView.FromSnapshot(node), request),
                    $"{task.TaskId} waits but fits on {node.NodeId}");
            }
        }
    }
}
