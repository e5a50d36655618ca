using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A node grain that comes back (its silo died, or it was collected) is heard by the scheduler again.</summary>
public sealed class NodeReactivationTests
{
    [Fact]
    public async Task A_fresh_node_activation_is_not_ignored_as_older_than_the_one_it_replaces()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);

        // Many changes, so the first activation's snapshots are far along its count.
        for (var i = 0; i < 15; i++)
        {
            var t = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 10));
            await pool.WaitForAsync(t.TaskId, TaskState.Running);
            pool.Advance(TimeSpan.FromMilliseconds(10));
            await pool.WaitForAsync(t.TaskId, TaskState.Completed);
        }

        var holder = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9), "holder");
        await pool.WaitForAsync(holder.TaskId, TaskState.Running);
        var node = pool.Grains.GetGrain<INodeGrain>(GrainKeys.Node("dc1", "n0"));
        Assert.NotNull(await node.GetSnapshot());
        await node.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        // A new activation: it knows nothing until its daemon's next heartbeat (the fake clock has not moved, so none came).
        Assert.Null(await node.GetSnapshot());

        // The daemon's next heartbeat brings a fresh activation, which adopts the running task.
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Single((await node.GetSnapshot())?.Gpus[0].Slices ?? []);
        });

        // What it reports now must reach the scheduler: the freed card takes the next task.
        await pool.Client.CancelAsync(holder.TaskId);
        var next = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9), "next");
        await pool.WaitForAsync(next.TaskId, TaskState.Running);
        await pool.AssertConsistentAsync([holder.TaskId, next.TaskId]);
    }
}
