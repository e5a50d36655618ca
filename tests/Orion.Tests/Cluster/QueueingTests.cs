using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class QueueingTests
{
    [Fact]
    public async Task A_full_pool_queues_tasks_and_drains_them_in_priority_order()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var first = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 1000), "fill-1");
        var second = await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 2000), "fill-2");
        await pool.WaitForAsync(first.TaskId, TaskState.Running);
        await pool.WaitForAsync(second.TaskId, TaskState.Running);

        var whole = (PriorityClass c, int level) => Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 10_000, priority: c, level: level);
        await pool.SubmitAsync(whole(PriorityClass.Offline, 0), "offline-0");
        await pool.SubmitAsync(whole(PriorityClass.Training, 0), "training");
        await pool.SubmitAsync(whole(PriorityClass.Offline, 5), "offline-5");
        Assert.Equal(["training", "offline-5", "offline-0"], (await pool.SchedulerSnapshot()).Queue.ToArray());
        Assert.Equal(TaskState.Pending, await pool.StateOf("training"));

        pool.Advance(TimeSpan.FromMilliseconds(1000));
        await pool.WaitForAsync("training", TaskState.Running);
        Assert.Equal(TaskState.Pending, await pool.StateOf("offline-5"));

        pool.Advance(TimeSpan.FromMilliseconds(1000));
        await pool.WaitForAsync("offline-5", TaskState.Running);
        Assert.Equal(TaskState.Pending, await pool.StateOf("offline-0"));
        Assert.Equal(["offline-0"], (await pool.SchedulerSnapshot()).Queue.ToArray());

        pool.Advance(TimeSpan.FromMilliseconds(9000));
        await pool.WaitForAsync("offline-0", TaskState.Running);
        await pool.AssertConsistentAsync(["fill-1", "fill-2", "offline-0", "training", "offline-5"]);
    }

    [Fact]
    public async Task Node_cpu_and_host_memory_constrain_placement_like_cards()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4, cpu: 8000, memory: 16_384)]);
        await pool.SubmitAsync(Specs.Batch(cpuMilli: 6000, hostMemoryMiB: 1024), "cpu-1");
        await pool.SubmitAsync(Specs.Batch(cpuMilli: 6000, hostMemoryMiB: 1024), "cpu-2");
        await pool.SubmitAsync(Specs.Batch(cpuMilli: 1000, hostMemoryMiB: 15_500), "mem-1");
        await pool.WaitForAsync("cpu-1", TaskState.Running);
        Assert.Equal(TaskState.Pending, await pool.StateOf("cpu-2"));
        Assert.Equal(TaskState.Pending, await pool.StateOf("mem-1"));

        pool.Advance(TimeSpan.FromSeconds(2));
        await pool.WaitForAsync("cpu-2", TaskState.Running);
    }

    [Fact]
    public async Task Multi_gpu_tasks_take_whole_cards_on_one_node()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4), Node("n1", gpus: 4)]);
        var slice = await pool.SubmitAsync(Specs.Service(computePercent: 10, gpuMemoryMiB: 1024));
        var sliceNode = (await pool.WaitForAsync(slice.TaskId, TaskState.Running)).Placement!.NodeId;

        var four = await pool.SubmitAsync(Specs.Training(4));
        var placed = (await pool.WaitForAsync(four.TaskId, TaskState.Running)).Placement!;
        Assert.NotEqual(sliceNode, placed.NodeId);
        Assert.Equal(4, placed.GpuIds.Distinct().Count());
        Assert.All(placed.GpuIds, g => Assert.StartsWith(placed.NodeId + "/", g));

        var snapshot = await pool.NodeSnapshot(placed.NodeId.Split('/')[1]);
        Assert.All(snapshot.Gpus, g => Assert.True(Assert.Single(g.Slices).Exclusive));

        // Three whole cards are left beside the slice; a 4-card job must wait, a 3-card one fits.
        var another = await pool.SubmitAsync(Specs.Training(4), "four-more");
        var three = await pool.SubmitAsync(Specs.Training(3), "three");
        var threePlaced = (await pool.WaitForAsync("three", TaskState.Running)).Placement!;
        Assert.Equal(sliceNode, threePlaced.NodeId);
        Assert.Equal(TaskState.Pending, await pool.StateOf(another.TaskId));
        await pool.AssertConsistentAsync([slice.TaskId, four.TaskId, another.TaskId, three.TaskId]);
    }

    [Fact]
    public async Task Gpu_model_constraints_pick_the_right_cards_or_wait()
    {
        await using var pool = await StartAsync([Node("a100", model: "A100-80GB"), Node("t4", model: "T4-16GB")]);
        await pool.SubmitAsync(Specs.Batch(gpuMemoryMiB: 4096, models: ["T4-16GB"]), "on-t4");
        await pool.SubmitAsync(Specs.Batch(gpuMemoryMiB: 4096, models: ["H100-80GB", "A100-80GB"]), "on-a100");
        await pool.SubmitAsync(Specs.Batch(gpuMemoryMiB: 4096, models: ["H100-80GB"]), "nowhere");
        Assert.Equal("dc1/t4", (await pool.WaitForAsync("on-t4", TaskState.Running)).Placement!.NodeId);
        Assert.Equal("dc1/a100", (await pool.WaitForAsync("on-a100", TaskState.Running)).Placement!.NodeId);
        Assert.Equal(TaskState.Pending, await pool.StateOf("nowhere"));
        Assert.Equal(["nowhere"], (await pool.SchedulerSnapshot()).Queue.ToArray());
    }

    [Fact]
    public async Task A_task_preferring_a_full_data_centre_spills_over_to_another()
    {
        await using var pool = await StartAsync([Node("e0", gpus: 1, dc: "east"), Node("w0", gpus: 1, dc: "west")]);
        var wantsWest = Specs.Batch(computePercent: 100, gpuMemoryMiB: 0) with { Constraints = PlacementConstraints.None with { PreferredDataCenter = "west" } };
        await pool.SubmitAsync(wantsWest, "first");
        await pool.SubmitAsync(wantsWest, "second");
        Assert.Equal("west/w0", (await pool.WaitForAsync("first", TaskState.Running)).Placement!.NodeId);
        Assert.Equal("east/e0", (await pool.WaitForAsync("second", TaskState.Running)).Placement!.NodeId);
    }
}
