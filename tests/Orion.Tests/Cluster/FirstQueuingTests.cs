using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A new task is written once its scheduler has decided: placed at once it is written Placing (never Pending first),
/// failed at once it is written Failed; each status version is one write.
/// </summary>
public sealed class FirstQueuingTests
{
    [Fact]
    public async Task A_task_placed_at_once_is_written_placing_then_running_and_listed_as_its_submit_answered()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);

        var submitted = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000), "at-once");

        Assert.Equal(TaskState.Placing, submitted.State);
        Assert.Equal(1, submitted.Version);
        Assert.Equal("dc1/n0", submitted.Placement?.NodeId);
        Assert.Contains(await pool.Client.ListAsync(), t => t.TaskId == "at-once" && t.Version >= submitted.Version);
        var running = await pool.WaitForAsync("at-once", TaskState.Running);
        Assert.Equal(2, running.Version);
        await pool.AssertConsistentAsync(["at-once"]);
    }

    [Fact]
    public async Task From_submit_to_running_a_task_placed_at_once_is_written_twice_and_pushed_to_the_catalogue_twice()
    {
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], calls: calls);
        calls.Clear();

        var task = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000));
        await pool.WaitForAsync(task.TaskId, TaskState.Running);

        Assert.Equal(2, calls["IMemoryStorageGrain.WriteStateAsync"]);

        // Counted as the catalogue receives it: the push is one-way, so the second may arrive after the watcher woke.
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(2, calls["ITaskCatalogGrain.Publish"])));
    }

    [Fact]
    public async Task A_task_that_fails_at_once_is_written_failed_once()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);

        var failed = await pool.SubmitAsync(
            Specs.Batch(computePercent: 50, models: ["H100"]) with { Constraints = PlacementConstraints.Models("H100") with { FailIfUnplaceable = true } }, "nowhere");

        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal(1, failed.Version);
        Assert.Null(failed.Placement);
    }

    [Fact]
    public async Task A_new_task_queued_by_a_lost_scheduler_activation_is_queued_by_the_next_when_told()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var scheduler = pool.Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler("dc1"));
        var task = new QueuedTask("late", 1, Specs.Batch(computePercent: 50, models: ["H100"]), pool.Clock.GetUtcNow());

        var decision = await scheduler.Enqueue(task);
        Assert.Null(decision.Placement);
        Assert.NotEqual(0, decision.Epoch);

        // The activation that answered is told: it holds the task already, so nothing changes.
        await scheduler.Keep(task, decision.Epoch);
        Assert.Equal(["late"], (await pool.SchedulerSnapshot()).Queue.ToArray());

        // That activation goes before the catalogue lists the task: the next one's refill misses it, Keep queues it.
        await scheduler.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () => Assert.Empty((await pool.SchedulerSnapshot()).Queue));
        await scheduler.Keep(task, decision.Epoch);
        await pool.EventuallyAsync(async () => Assert.Equal(["late"], (await pool.SchedulerSnapshot()).Queue.ToArray()));

        // Told again by the new activation's own answer: still queued once.
        var again = await scheduler.Enqueue(task);
        Assert.NotEqual(decision.Epoch, again.Epoch);
        await scheduler.Keep(task, again.Epoch);
        Assert.Equal(["late"], (await pool.SchedulerSnapshot()).Queue.ToArray());
    }
}
