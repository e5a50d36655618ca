using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class StorageFailureTests
{
    [Fact]
    public async Task A_completion_whose_write_fails_is_not_lost_when_the_daemon_reports_it_again()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], storage: storage);
        await pool.SubmitAsync(Specs.Batch(items: 10, gpuMsPerItem: 100), "done");
        await pool.WaitForAsync("done", TaskState.Running);

        // The storage goes down as the run ends: the daemon's exit report fails and is retried.
        storage.FailWrites("done");
        pool.Advance(TimeSpan.FromMinutes(1));
        await pool.EventuallyAsync(() =>
        {
            Assert.True(storage.FailedWrites >= 2, $"{storage.FailedWrites} failed writes");
            return Task.CompletedTask;
        });
        storage.Heal();

        // A retry must not find the unwritten completion in memory and take it as done.
        await pool.EventuallyAsync(async () =>
        {
            var listed = await pool.Grains.GetGrain<ITaskCatalogGrain>(GrainKeys.Pool).List(new TaskQuery());
            Assert.Equal(TaskState.Completed, listed.Single(s => s.TaskId == "done").State);
        });
        await pool.Grains.GetGrain<IVGpuTaskGrain>("done").Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Equal(TaskState.Completed, await pool.StateOf("done"));
        Assert.Empty((await pool.NodeSnapshot("n0")).Gpus.SelectMany(g => g.Slices));
    }
}
