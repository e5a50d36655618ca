using Microsoft.Extensions.DependencyInjection;
using Orion.Contracts;
using Orion.Grains;
using Orleans.Core.Internal;
using Orleans.Storage;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// The task catalogue is a read model in memory: an activation after its silo died lists the tasks its last activation
/// knew live again at once, from the ids it wrote, not at each task's next change (which a long run may never make).
/// </summary>
public sealed class TaskCatalogRecoveryTests
{
    private static TaskSpec WholeCard() => Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 3_600_000);

    [Fact]
    public async Task A_catalogue_lost_without_a_goodbye_lists_its_live_tasks_again_and_not_the_ended_ones()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], storage: storage, catalogCheckpoint: TimeSpan.FromMilliseconds(100));
        await pool.SubmitAsync(WholeCard(), "runs");
        await pool.WaitForAsync("runs", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.SubmitAsync(WholeCard(), "waits")).State);
        await pool.SubmitAsync(WholeCard(), "gone");
        await pool.Client.CancelAsync("gone");

        // The ids it wrote on its own are the live ones.
        var catalogue = pool.Grains.GetGrain<ITaskCatalogGrain>(GrainKeys.Pool);
        await pool.EventuallyAsync(async () => Assert.Equal(["runs", "waits"], (await Checkpoint(pool, catalogue)).Order(StringComparer.Ordinal)));

        // It goes as with its silo: nothing written on the way out.
        storage.FailWrites(GrainKeys.Pool);
        await catalogue.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        storage.Heal();

        // Neither live task changes again, yet both are listed again; the one that ended is not.
        await pool.EventuallyAsync(async () =>
        {
            var listed = (await pool.Client.ListAsync()).ToDictionary(t => t.TaskId, t => t.State);
            Assert.Equal(new Dictionary<string, TaskState> { ["runs"] = TaskState.Running, ["waits"] = TaskState.Pending }, listed);
        });
    }

    private static async Task<List<string>> Checkpoint(TestPool pool, ITaskCatalogGrain catalogue)
    {
        var services = pool.Cluster.GetSiloServiceProvider(pool.Cluster.Silos[0].SiloAddress);
        var state = new GrainState<TaskCatalogCheckpoint>(new TaskCatalogCheckpoint());
        await services.GetRequiredKeyedService<IGrainStorage>(PoolOptions.StorageName).ReadStateAsync("catalogue", catalogue.GetGrainId(), state);
        return state.State?.Live ?? [];
    }
}
