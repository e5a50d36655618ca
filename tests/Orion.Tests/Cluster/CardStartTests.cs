using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>
/// A task on one card is started with one call to that card, by the task itself (or by its node when the card does not
/// hold its slice); a task on several cards goes through its node and is prepared on each card first.
/// </summary>
public sealed class CardStartTests
{
    [Fact]
    public async Task A_task_on_one_card_is_started_with_one_call_to_its_card_and_none_to_its_node()
    {
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], calls: calls);
        calls.Clear();

        var task = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000));
        await pool.WaitForAsync(task.TaskId, TaskState.Running);

        Assert.Equal(1, calls["IGpuGrain.Reserve"]);
        Assert.Equal(1, calls["IGpuGrain.TryStartTask"]);
        Assert.Equal(0, calls["INodeGrain.StartTask"]);
        Assert.Equal(0, calls["IGpuGrain.PrepareStart"]);
        Assert.Equal(0, calls["IGpuGrain.OnTaskStarted"]);
        Assert.Contains(task.TaskId, pool.Backend("n0").Running.Keys);
        await pool.AssertConsistentAsync([task.TaskId]);
    }

    [Fact]
    public async Task A_card_that_cannot_answer_the_one_call_start_leaves_the_start_to_the_node()
    {
        // A card on a silo of an older build (a rolling upgrade) has no TryStartTask: the task is still started, by its node.
        var calls = new GrainCallCounter();
        var faults = new GrainCallFaults();
        faults.Fail("IGpuGrain.TryStartTask");
        await using var pool = await StartAsync([Node("n0", gpus: 1)], calls: calls, faults: faults);
        calls.Clear();

        var task = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000));
        await pool.WaitForAsync(task.TaskId, TaskState.Running);

        Assert.Equal(1, calls["IGpuGrain.TryStartTask"]);
        Assert.Equal(1, calls["INodeGrain.StartTask"]);
        Assert.Contains(task.TaskId, pool.Backend("n0").Running.Keys);
        await pool.AssertConsistentAsync([task.TaskId]);
    }

    [Fact]
    public async Task A_card_without_the_tasks_slice_starts_nothing_and_the_node_starts_a_task_it_holds_with_one_card_call()
    {
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], calls: calls);
        var card = pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0");
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        var launch = new TaskLaunch("by-hand", 1, ["dc1/n0/0"], 500, 4096, WorkloadSpec.Batch(1_000_000, 100));

        Assert.False(await card.TryStartTask(launch));
        Assert.DoesNotContain("by-hand", pool.Backend("n0").Running.Keys);

        Assert.True((await node.Reserve(new ReservationRequest("by-hand", 1, ["dc1/n0/0"], 500, 4096, false, 1000, 1024))).Accepted);
        Assert.False(await card.TryStartTask(launch with { Generation = 2 }));
        calls.Clear();
        await node.StartTask(launch);

        Assert.Contains("by-hand", pool.Backend("n0").Running.Keys);
        Assert.Equal(1, calls["IGpuGrain.StartTask"]);
        Assert.Equal(0, calls["IGpuGrain.PrepareStart"]);
        Assert.Equal(0, calls["IGpuGrain.OnTaskStarted"]);
    }

    [Fact]
    public async Task A_slice_reserved_before_the_cards_daemon_changed_is_started_only_through_the_node()
    {
        // A node re-registering a restarted daemon attaches it before it releases what the old one ran: a task must not
        // start by itself on the new daemon in between.
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var card = pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0");
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        var launch = new TaskLaunch("old-daemon", 1, ["dc1/n0/0"], 500, 4096, WorkloadSpec.Batch(1_000_000, 100));
        Assert.True((await node.Reserve(new ReservationRequest("old-daemon", 1, ["dc1/n0/0"], 500, 4096, false, 1000, 1024))).Accepted);
        var attached = (await card.GetSnapshot())!;

        await card.Detach();
        await card.Attach(attached.Device, attached.ComputeCapacityMilli, attached.MemoryCapacityMiB, pool.Daemon("n0").Reference);

        Assert.False(await card.TryStartTask(launch));
        Assert.DoesNotContain("old-daemon", pool.Backend("n0").Running.Keys);
        await node.StartTask(launch);
        Assert.Contains("old-daemon", pool.Backend("n0").Running.Keys);
    }

    [Fact]
    public async Task A_task_on_several_cards_is_prepared_on_each_before_its_daemon_starts_it()
    {
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 2)], calls: calls);
        calls.Clear();

        var task = await pool.SubmitAsync(Specs.Training(gpus: 2, steps: 1_000_000));
        await pool.WaitForAsync(task.TaskId, TaskState.Running);

        Assert.Equal(1, calls["INodeGrain.StartTask"]);
        Assert.Equal(2, calls["IGpuGrain.PrepareStart"]);
        Assert.Equal(2, calls["IGpuGrain.OnTaskStarted"]);
        Assert.Equal(0, calls["IGpuGrain.StartTask"]);
        Assert.Equal(0, calls["IGpuGrain.TryStartTask"]);
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

    [Fact]
    public async Task A_process_task_is_not_placed_on_simulated_cards_and_fails_fast_with_the_reason()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var spec = Specs.Batch(computePercent: 50) with { Workload = WorkloadSpec.Process("python serve.py") };
        var waiting = await pool.SubmitAsync(spec);
        var failing = await pool.SubmitAsync(spec with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } });

        Assert.Equal("no node here runs process workloads (NVIDIA cards)", (await pool.WaitForAsync(failing.TaskId, TaskState.Failed)).ExitReason);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync(waiting.TaskId))!.State);
        Assert.Empty(Assert.Single((await pool.Client.GetNodeAsync("dc1/n0"))!.Gpus).Slices);
    }
}
