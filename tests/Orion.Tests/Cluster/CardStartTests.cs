using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A node starts a task on one card with one call to that card; a task on several is prepared on each first.</summary>
public sealed class CardStartTests
{
    [Fact]
    public async Task A_task_on_one_card_is_started_with_one_call_to_its_card()
    {
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], calls: calls);
        calls.Clear();

        var task = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000));
        await pool.WaitForAsync(task.TaskId, TaskState.Running);

        Assert.Equal(1, calls["IGpuGrain.Reserve"]);
        Assert.Equal(1, calls["IGpuGrain.StartTask"]);
        Assert.Equal(0, calls["IGpuGrain.PrepareStart"]);
        Assert.Equal(0, calls["IGpuGrain.OnTaskStarted"]);
        Assert.Contains(task.TaskId, pool.Backend("n0").Running.Keys);
        await pool.AssertConsistentAsync([task.TaskId]);
    }

    [Fact]
    public async Task A_task_on_several_cards_is_prepared_on_each_before_its_daemon_starts_it()
    {
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], calls: calls);
        calls.Clear();

        var task = await pool.SubmitAsync(Specs.Training(gpus: 2, steps: 1_000_000));
        await pool.WaitForAsync(task.TaskId, TaskState.Running);

        Assert.Equal(2, calls["IGpuGrain.PrepareStart"]);
        Assert.Equal(2, calls["IGpuGrain.OnTaskStarted"]);
        Assert.Equal(0, calls["IGpuGrain.StartTask"]);
        await pool.AssertConsistentAsync([task.TaskId]);
    }

    [Fact]
    public async Task An_offline_task_started_beside_a_busy_service_is_paused_at_once()
    {
        // The one-call start still takes the task into the card's arbitration.
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0);
        var service = await pool.SubmitAsync(Specs.Service(computePercent: 80, gpuMemoryMiB: 8192));
        await pool.WaitForAsync(service.TaskId, TaskState.Running);
        await pool.Grains.GetGrain<IVGpuTaskGrain>(service.TaskId).SetDemand(true, 1);

        var batch = await pool.SubmitAsync(Specs.Batch(computePercent: 80, gpuMemoryMiB: 8192, items: 1_000_000));

        await pool.WaitForAsync(batch.TaskId, TaskState.Suspended);
        Assert.True(pool.Backend("n0").IsPaused(batch.TaskId));
    }
}
