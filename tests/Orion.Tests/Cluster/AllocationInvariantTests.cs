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

    /// <summary>
    /// Work conservation: no pending task would fit on a node as it stands. Fit is worked out here from the snapshot's raw
    /// numbers (the pool runs without oversubscription: a card has 1000 milli of compute and its device's memory), not by
    /// the scheduler's own filter, so a bug there cannot agree with itself.
    /// </summary>
    private static async Task AssertNothingWaitsThatFits(TestPool pool, IEnumerable<string> ids)
    {
        var pending = (await Task.WhenAll(ids.Select(id => pool.Client.GetAsync(id)))).Where(s => s!.State == TaskState.Pending).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var nodes = await Task.WhenAll(pool.Nodes.Select(n => pool.NodeSnapshot(n.Name)));
        foreach (var node in nodes)
        {
            Assert.All(node.Gpus, g => Assert.Equal((1000, g.Device.MemoryMiB), (g.ComputeCapacityMilli, g.MemoryCapacityMiB)));
        }

        foreach (var task in pending)
        {
            var r = task!.Spec.Resources;
            foreach (var node in nodes)
            {
                var hostFits = node.Schedulable
                    && node.CpuCapacityMilli - node.CpuAllocatedMilli >= r.CpuMilli
                    && node.MemoryCapacityMiB - node.MemoryAllocatedMiB >= r.HostMemoryMiB;
                var cards = r.GpuCount > 1

                    // Whole cards: only cards nothing holds.
                    ? node.Gpus.Count(g => g.Slices.IsEmpty)

                    // A share of one card: its free compute and memory, on a card no task holds whole.
                    : node.Gpus.Count(g => !g.Slices.Any(s => s.Exclusive)
                        && 1000 - g.Slices.Sum(s => s.ComputeMilli) >= r.ComputeMilli
                        && g.Device.MemoryMiB - g.Slices.Sum(s => s.MemoryMiB) >= r.GpuMemoryMiB);
                Assert.False(hostFits && cards >= r.GpuCount, $"{task.TaskId} waits but fits on {node.NodeId}");
            }
        }
    }
}
