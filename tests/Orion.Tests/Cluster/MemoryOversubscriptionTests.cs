using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Scenario 3: host RAM backs GPU memory. One A100-80GB, memory oversubscribed 2×, in fake time.</summary>
public sealed class MemoryOversubscriptionTests
{
    private static TaskSpec Inference() => Specs.Service(30, 40_960, name: "chat", requestsPerSecond: 0);

    private static TaskSpec Training(double gpuMs) =>
        new("night-train", "research", new TaskPriority(PriorityClass.Training), ResourceRequest.Slice(100, 70_000, 4000, 8192),
            PlacementConstraints.None, WorkloadSpec.Training(1, gpuMs, 70_000));

    [Fact]
    public async Task Night_and_day_idle_inference_moves_to_host_training_runs_a_request_brings_it_back_first()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0, memoryOversubscription: 2.0);
        var backend = pool.Backend("n0");
        await using var lease = await pool.Client.AcquireAsync(Inference(), new LeaseOptions { HoldTime = TimeSpan.FromSeconds(1) });

        // Day: the service serves a request, then goes idle after its hold time.
        await (await lease.BeginRequestAsync()).DisposeAsync();
        var idle = new TaskCompletionSource();
        lease.WentIdle += () => idle.TrySetResult();
        pool.Advance(TimeSpan.FromSeconds(1));
        await idle.Task.WaitAsync(TimeSpan.FromSeconds(15));

        // Night: training needs 70 GB; as much of the idle service's 40 GB as it lacks goes to host RAM first
        // (29,040 MiB at 25 GB/s ≈ 1.2 s); the 11,920 MiB left over stay on the device.
        var train = await pool.SubmitAsync(Training(gpuMs: 3_600_000));
        var running = await pool.WhileAdvancing(pool.WaitForAsync(train.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));
        var service = (await pool.Client.GetAsync(lease.TaskId))!;
        Assert.Equal((11_920L, 29_040L, 1), (service.ResidentMiB, service.HostMiB, service.Swaps));
        Assert.Equal(29_040L * 1024 * 1024, service.BytesMoved);
        Assert.Equal(14_520, backend.GetTask(lease.TaskId)!.HostPages);
        Assert.Equal(35_000, backend.GetTask(train.TaskId)!.ResidentPages);
        var card = (await pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0").GetSnapshot())!;
        Assert.Equal((81_920L, 29_040L, 0L), (card.ResidentMiB, card.HostMiB, card.FreeMiB));
        Assert.Equal(card.MemoryAllocatedMiB, card.ResidentMiB + card.HostMiB);
        pool.Advance(TimeSpan.FromMinutes(10));
        var trainedAtNight = backend.GetTask(train.TaskId)!.GpuMsDone;
        Assert.True(trainedAtNight >= 599_000, $"training ran {trainedAtNight} GPU-ms in 10 minutes");

        // Morning: a request brings the service's memory back first; training pauses and moves out just what the
        // service lacks.
        var request = await pool.WhileAdvancing(lease.BeginRequestAsync().AsTask(), TimeSpan.FromSeconds(10));
        Assert.Equal(20_480, backend.GetTask(lease.TaskId)!.ResidentPages);
        Assert.True(backend.IsPaused(train.TaskId));
        Assert.Equal(14_520, backend.GetTask(train.TaskId)!.HostPages);
        var paused = backend.GetTask(train.TaskId)!.GpuMsDone;
        pool.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(paused, backend.GetTask(train.TaskId)!.GpuMsDone);
        await pool.EventuallyAsync(async () =>
        {
            var t = (await pool.Client.GetAsync(train.TaskId))!;
            Assert.Equal((TaskState.Suspended, 40_960L, 29_040L), (t.State, t.ResidentMiB, t.HostMiB));
        });

        // The service goes quiet: training comes back to the device and resumes.
        idle = new TaskCompletionSource();
        await request.DisposeAsync();
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WhileAdvancing(idle.Task.ContinueWith(_ => true), TimeSpan.FromSeconds(15));
        await pool.WhileAdvancing(pool.WaitForAsync(train.TaskId, TaskState.Running), TimeSpan.FromSeconds(15));
        Assert.Equal(35_000, backend.GetTask(train.TaskId)!.ResidentPages);
        Assert.False(backend.IsPaused(train.TaskId));
        var status = (await pool.Client.GetAsync(train.TaskId))!;
        Assert.Equal(2, status.Swaps);
        Assert.Equal(2 * 29_040L * 1024 * 1024, status.BytesMoved);
        Assert.Equal(14_520, backend.GetTask(lease.TaskId)!.HostPages);
        await pool.AssertConsistentAsync([lease.TaskId, train.TaskId]);
    }

    [Fact]
    public async Task A_service_started_twice_on_its_card_is_not_left_starting_and_its_idle_memory_still_moves_to_host()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0, memoryOversubscription: 2.0);
        var service = await pool.SubmitAsync(Inference());
        var running = await pool.WaitForAsync(service.TaskId, TaskState.Running);

        // The same start again (a start retried after its answer was lost): the card starts nothing new.
        var p = running.Placement!;
        var launch = new TaskLaunch(service.TaskId, running.Generation, p.GpuIds, p.ComputeMilli, p.GpuMemoryMiB, running.Spec.Workload);
        Assert.True(await pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0").TryStartTask(launch));

        // The idle service's memory makes room for training, as if it had been started once.
        var train = await pool.SubmitAsync(Training(gpuMs: 3_600_000));
        await pool.WhileAdvancing(pool.WaitForAsync(train.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));
        await pool.EventuallyAsync(async () =>
        {
            var s = (await pool.Client.GetAsync(service.TaskId))!;
            Assert.Equal((11_920L, 29_040L), (s.ResidentMiB, s.HostMiB));
        });
        Assert.Equal(35_000, pool.Backend("n0").GetTask(train.TaskId)!.ResidentPages);
    }

    [Fact]
    public async Task Memory_beyond_the_oversubscribed_card_or_pinned_beyond_the_device_waits_and_is_never_half_placed()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1, hostSwap: 80_000)], oversubscription: 2.0, memoryOversubscription: 2.0);
        var pinned = Specs.Batch(computePercent: 10, gpuMemoryMiB: 60_000) with { Resources = ResourceRequest.Slice(10, 60_000) with { AllowSwap = false } };
        await pool.SubmitAsync(pinned, "pinned");
        await pool.WaitForAsync("pinned", TaskState.Running);

        // 60 GB pinned + 30 GB pinned would not fit the device, whatever the factor.
        await pool.SubmitAsync(pinned with { Resources = ResourceRequest.Slice(10, 30_000) with { AllowSwap = false } }, "pinned-2");

        // 60 + 60 = 120 GB fits 2× the card; the 60 GB that may swap fit the node's 80 GB swap budget, 60 + 30 would not.
        await pool.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 60_000), "swappable");
        await pool.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 30_000), "over-budget");
        await pool.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 200_000), "too-big");
        await pool.WhileAdvancing(pool.WaitForAsync("swappable", TaskState.Running, TaskState.Suspended), TimeSpan.FromSeconds(10));

        var queue = (await pool.SchedulerSnapshot()).Queue.Order().ToArray();
        Assert.Equal(["over-budget", "pinned-2", "too-big"], queue);
        var card = (await pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0").GetSnapshot())!;
        Assert.Equal(["pinned", "swappable"], card.Slices.Select(s => s.TaskId).Order().ToArray());
        Assert.InRange(card.ResidentMiB, 0, card.Device.MemoryMiB);
        Assert.Equal(card.MemoryAllocatedMiB, card.ResidentMiB + card.HostMiB);
    }

    [Fact]
    public async Task Online_memory_never_oversubscribes_the_device_though_other_memory_does()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0, memoryOversubscription: 2.0);
        await pool.SubmitAsync(Specs.Service(30, 50_000, name: "svc-a", requestsPerSecond: 0), "svc-a");
        await pool.WhileAdvancing(pool.WaitForAsync("svc-a", TaskState.Running), TimeSpan.FromSeconds(10));

        // 50 + 40 GB of services would not fit the 80 GB device (busy services must all be resident at once); a batch's would.
        await pool.SubmitAsync(Specs.Service(30, 40_000, name: "svc-b", requestsPerSecond: 0), "svc-b");
        await pool.SubmitAsync(Specs.Batch(computePercent: 10, gpuMemoryMiB: 40_000), "batch");
        await pool.WhileAdvancing(pool.WaitForAsync("batch", TaskState.Running, TaskState.Suspended), TimeSpan.FromSeconds(10));
        await pool.SubmitAsync(Specs.Service(30, 30_000, name: "svc-c", requestsPerSecond: 0), "svc-c");
        await pool.WhileAdvancing(pool.WaitForAsync("svc-c", TaskState.Running), TimeSpan.FromSeconds(10));

        Assert.Equal(["svc-b"], (await pool.SchedulerSnapshot()).Queue.ToArray());
        var card = (await pool.Grains.GetGrain<IGpuGrain>("dc1/n0/0").GetSnapshot())!;
        Assert.Equal(["batch", "svc-a", "svc-c"], card.Slices.Select(s => s.TaskId).Order().ToArray());
        Assert.Equal(120_000, card.MemoryAllocatedMiB);
    }

    [Fact]
    public async Task A_task_that_may_not_swap_is_never_moved()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)], oversubscription: 2.0, memoryOversubscription: 2.0);
        var service = Inference() with { Resources = ResourceRequest.Slice(30, 40_960, 2000, 4096) with { AllowSwap = false } };
        await using var lease = await pool.Client.AcquireAsync(service, new LeaseOptions { HoldTime = TimeSpan.FromSeconds(1) });
        var train = await pool.SubmitAsync(Training(gpuMs: 1000));

        // Training starts with its memory on host RAM (there is no room) and waits there, making no progress; the pinned
        // service stays where it is.
        await pool.WhileAdvancing(pool.WaitForAsync(train.TaskId, TaskState.Running), TimeSpan.FromSeconds(10));
        pool.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, pool.Backend("n0").GetTask(train.TaskId)!.GpuMsDone);
        Assert.Equal(20_480, pool.Backend("n0").GetTask(lease.TaskId)!.ResidentPages);
        Assert.Equal(0, pool.Backend("n0").GetTask(lease.TaskId)!.HostPages);
        Assert.Equal(70_000L, (await pool.Client.GetAsync(train.TaskId))!.HostMiB);
    }
}
