using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A client retrying a submit whose first attempt died half-way gets its task queued, not stranded.</summary>
public sealed class ResubmitTests
{
    [Fact]
    public async Task Submitting_a_pending_task_again_queues_it_when_its_scheduler_lost_it()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var blocker = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9), "blocker");
        await pool.WaitForAsync(blocker.TaskId, TaskState.Running);
        var spec = Specs.Batch(computePercent: 100, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9);
        await pool.SubmitAsync(spec, "waiting");

        // As if the queue never got it (its scheduler died with the submit under way).
        Assert.True(await pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("dc1")).Dequeue("waiting"));
        await pool.Client.CancelAsync(blocker.TaskId);
        await pool.EventuallyAsync(async () => Assert.Empty((await pool.NodeSnapshot("n0")).Gpus[0].Slices));
        Assert.Equal(TaskState.Pending, await pool.StateOf("waiting"));

        var again = await pool.SubmitAsync(spec, "waiting");
        Assert.Equal(1, again.Generation);
        await pool.WaitForAsync("waiting", TaskState.Running);
    }
}
