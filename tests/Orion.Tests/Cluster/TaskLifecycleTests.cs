using Orion.Client;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class TaskLifecycleTests
{
    [Fact]
    public async Task A_task_grain_that_lost_its_activation_reads_back_the_state_it_wrote()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], storage: storage);
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9), "kept");
        var running = await pool.WaitForAsync("kept", TaskState.Running);
        var grain = pool.Grains.GetGrain<IVGpuTaskGrain>("kept");
        var reads = storage.Reads("kept");
        Assert.Equal(1, reads); // the one activation so far read its (empty) state once
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();

        // The state comes back from storage (Orleans' binary format), not from the old activation: a new activation
        // read it (one more read of this grain's state).
        static object Key(VGpuTaskStatus s) => (s.State, s.Version, s.Generation, s.Placement!.NodeId, string.Join(",", s.Placement.GpuIds), s.SubmittedAt, s.StartedAt, s.ResidentMiB, s.Spec.Resources);
        await pool.EventuallyAsync(async () =>
        {
            Assert.Equal(Key(running), Key((await grain.GetStatus())!));
            Assert.Equal(reads + 1, storage.Reads("kept"));
        });
    }

    [Fact]
    public async Task Submit_places_runs_completes_and_releases_the_slice()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var submitted = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 10, gpuMsPerItem: 100));
        var running = await pool.WaitForAsync(submitted.TaskId, TaskState.Running);
        Assert.Equal("dc1/n0", running.Placement!.NodeId);
        Assert.Equal(["dc1/n0/0"], running.Placement.GpuIds.ToArray());
        Assert.Equal(500, running.Placement.ComputeMilli);
        var gpu = Assert.Single((await pool.NodeSnapshot("n0")).Gpus);
        Assert.Equal(500, gpu.ComputeAllocatedMilli);
        Assert.Equal(8192, gpu.MemoryAllocatedMiB);

        // 1000 GPU-ms at half an A100 take 2 s of simulated time, not a tick less.
        pool.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(999.5, pool.Backend("n0").GetTask(submitted.TaskId)!.GpuMsDone, 6);
        Assert.Equal(TaskState.Running, await pool.StateOf(submitted.TaskId));
        pool.Advance(TimeSpan.FromMilliseconds(1));
        var done = await pool.WaitForAsync(submitted.TaskId, TaskState.Completed);
        Assert.Equal("completed", done.ExitReason);
        Assert.NotNull(done.EndedAt);

        await pool.EventuallyAsync(async () => Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices));
        var node = await pool.NodeSnapshot("n0");
        Assert.Equal(0, node.CpuAllocatedMilli);
        Assert.Equal(0, node.MemoryAllocatedMiB);
        Assert.Equal(0, pool.Backend("n0").GetCard(0).ResidentPages);
    }

    [Fact]
    public async Task Two_half_slices_share_a_card_and_finish_together_when_the_model_says()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var a = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 4, gpuMsPerItem: 250));
        var b = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 4, gpuMsPerItem: 250));
        await pool.WaitForAsync(a.TaskId, TaskState.Running);
        await pool.WaitForAsync(b.TaskId, TaskState.Running);
        Assert.Equal(1000, Assert.Single((await pool.NodeSnapshot("n0")).Gpus).ComputeAllocatedMilli);

        pool.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(TaskState.Running, await pool.StateOf(a.TaskId));
        pool.Advance(TimeSpan.FromMilliseconds(1));
        await pool.WaitForAsync(a.TaskId, TaskState.Completed);
        await pool.WaitForAsync(b.TaskId, TaskState.Completed);
    }

    [Fact]
    public async Task Watch_sees_each_state_in_order_and_ends_after_the_terminal_one()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var id = (await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 10))).TaskId;
        await pool.WaitForAsync(id, TaskState.Running);
        var seen = new List<TaskState>();
        var first = new TaskCompletionSource();
        var watching = Task.Run(async () =>
        {
            await foreach (var s in pool.Client.WatchAsync(id))
            {
                seen.Add(s.State);
                first.TrySetResult();
            }
        });
        await first.Task.WaitAsync(TimeSpan.FromSeconds(15));
        pool.Advance(TimeSpan.FromMilliseconds(10));
        await watching.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal([TaskState.Running, TaskState.Completed], seen);
    }

    [Fact]
    public async Task Bad_specs_are_rejected_with_the_field_named_and_change_nothing()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var bad = Specs.Batch() with { Resources = ResourceRequest.Slice(150, 1024) };

        var sdk = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(bad, "bad-1"));
        Assert.Equal("resources.computePercent", Assert.Single(sdk.Errors).Field);
        Assert.Contains("resources.computePercent must be in (0, 100]", sdk.Message);

        // The grain enforces the rules itself, whatever the client checked.
        var direct = await pool.Grains.GetGrain<IVGpuTaskGrain>("bad-2").Submit(bad);
        Assert.False(direct.Accepted);
        Assert.Equal("resources.computePercent", Assert.Single(direct.Errors).Field);

        Assert.Null(await pool.Client.GetAsync("bad-1"));
        Assert.Null(await pool.Client.GetAsync("bad-2"));
        Assert.Empty(await pool.Client.ListAsync());
        Assert.Empty((await pool.SchedulerSnapshot()).Queue);
        Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices);
    }

    [Fact]
    public async Task Resubmitting_is_idempotent_and_a_used_id_refuses_another_spec()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var spec = Specs.Batch(models: ["A100-80GB"]);
        var first = await pool.SubmitAsync(spec, "same");
        var again = await pool.SubmitAsync(spec with { Constraints = PlacementConstraints.Models("A100-80GB") }, "same");
        Assert.Equal(first.SubmittedAt, again.SubmittedAt);
        var ex = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(spec with { Name = "other" }, "same"));
        Assert.Equal("taskId", Assert.Single(ex.Errors).Field);
        Assert.Single(await pool.Client.ListAsync());
    }

    [Fact]
    public async Task List_filters_by_tenant_and_state()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, tenant: "a"), "a1");
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, tenant: "b"), "b1");
        await pool.WaitForAsync("a1", TaskState.Running);
        await pool.EventuallyAsync(async () =>
        {
            Assert.Equal(["a1"], (await pool.Client.ListAsync(new TaskQuery(Tenant: "a"))).Select(t => t.TaskId));
            Assert.Equal(["b1"], (await pool.Client.ListAsync(new TaskQuery(State: TaskState.Pending))).Select(t => t.TaskId));
            Assert.Equal(2, (await pool.Client.ListAsync()).Count);
        });
    }
}
