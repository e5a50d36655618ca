using System.Diagnostics;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;
using Orleans.Core.Internal;

namespace Orion.Tests.Cluster;

/// <summary>A silo that stops does not wait on node daemons that will not answer.</summary>
public sealed class SiloStopTests
{
    [Fact]
    public async Task A_silo_stops_at_once_while_a_card_waits_on_a_daemon_that_stopped()
    {
        await using var pool = await TestPool.StartAsync([], oversubscription: 2.0);
        var (daemon, backend) = await Daemon(pool, gpus: 1);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1_000_000), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);
        var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0));

        // The daemon stops (its observer goes: a call to it is dropped, never answered), and then the service turns busy:
        // the card marks the batch paused and waits for the daemon's ack of the pause.
        await daemon.DisposeAsync();
        var request = lease.BeginRequestAsync().AsTask();
        var card = pool.Grains.GetGrain<IGpuGrain>(GrainKeys.Gpu(daemon.NodeId, 0));
        await pool.EventuallyAsync(async () => Assert.Contains("batch", (await card.GetSnapshot())!.Paused));
        Assert.False(backend.IsPaused("batch"));
        Assert.False(request.IsCompleted);

        // The silo stops without waiting for that ack (Orleans' response timeout, or the host's shutdown timeout: 30 s each).
        await StopsAtOnce(pool);

        // The request went with the client; what it ended with does not matter here.
        _ = request.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    [Fact]
    public async Task A_silo_stops_at_once_while_a_card_waits_on_a_daemon_to_start_a_task_and_the_start_is_not_taken_for_failed()
    {
        var storage = new FlakyGrainStorage();
        var calls = new GrainCallCounter();
        await using var pool = await TestPool.StartAsync([], storage: storage, calls: calls);
        var (daemon, _) = await GoneDaemon(pool, gpus: 1);

        // Placed on the node whose daemon stopped: the card prepares the start and waits for the daemon's answer, in the
        // task's one call (asking the card would queue behind it).
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1_000_000), "batch");
        await pool.EventuallyAsync(() =>
        {
            Assert.True(calls["sent:INodeDaemon.Start"] > 0);
            return Task.CompletedTask;
        });

        await StopsAtOnce(pool);

        // Whether it started is unknown, not failed: the task stays Placing (its start report or the placing timeout
        // settles it), without giving its capacity back or ending Failed.
        Assert.All(storage.Written("batch"), s => Assert.Equal(TaskState.Placing, s.State));
        GC.KeepAlive(daemon);
    }

    [Fact]
    public async Task A_silo_stops_at_once_while_a_node_waits_on_a_daemon_to_start_a_task_on_two_cards()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await TestPool.StartAsync([], storage: storage);
        var (daemon, card) = await GoneDaemon(pool, gpus: 2);

        // A task on two cards: the node prepares both and waits for the daemon's answer.
        await pool.SubmitAsync(Specs.Training(gpus: 2, steps: 1_000_000), "train");
        await pool.EventuallyAsync(async () =>
        {
            Assert.Contains("train", (await card(0).GetSnapshot())!.Starting);
            Assert.Contains("train", (await card(1).GetSnapshot())!.Starting);
        });

        await StopsAtOnce(pool);
        Assert.All(storage.Written("train"), s => Assert.Equal(TaskState.Placing, s.State));
        GC.KeepAlive(daemon);
    }

    [Fact]
    public async Task A_silo_stops_at_once_while_a_node_waits_on_a_daemon_to_stop_a_task()
    {
        var calls = new GrainCallCounter();
        await using var pool = await TestPool.StartAsync([], calls: calls);
        var (daemon, backend) = await Daemon(pool, gpus: 1);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1_000_000), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);

        // The daemon stops; the task is cancelled: its node sends the stop and waits for an answer that never comes.
        await daemon.DisposeAsync();
        var cancel = pool.Client.CancelAsync("batch");
        await pool.EventuallyAsync(() =>
        {
            Assert.True(calls["sent:INodeDaemon.Stop"] > 0);
            return Task.CompletedTask;
        });
        Assert.False(cancel.IsCompleted);

        await StopsAtOnce(pool);
        _ = cancel.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        GC.KeepAlive(backend);
    }

    [Fact]
    public async Task A_silo_stops_at_once_while_a_node_waits_on_a_daemon_to_pause_a_task_whose_window_closed()
    {
        var calls = new GrainCallCounter();
        await using var pool = await TestPool.StartAsync([], calls: calls);
        var (daemon, backend) = await Daemon(pool, gpus: 1);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: TimeSpan.FromMinutes(90).TotalMilliseconds) with
        {
            Schedule = ScheduleSpec.Daily("30 22 * * *", TimeSpan.FromHours(1), onClose: WindowClosePolicy.Pause),
        }, "nightly");
        pool.Advance(TimeSpan.FromMinutes(30));
        await pool.WaitForAsync("nightly", TaskState.Running);

        // The daemon stops; the window closes: the task's node sends the pause and waits for an answer that never comes.
        await daemon.DisposeAsync();
        pool.Advance(TimeSpan.FromHours(1));
        await pool.EventuallyAsync(() =>
        {
            Assert.True(calls["sent:INodeDaemon.Pause"] > 0);
            return Task.CompletedTask;
        });

        await StopsAtOnce(pool);
        GC.KeepAlive(backend);
    }

    [Fact]
    public async Task A_card_left_marked_starting_for_a_task_its_daemon_runs_is_told_at_the_next_heartbeat_that_it_started()
    {
        await using var pool = await TestPool.StartAsync([TestPool.Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1_000_000), "batch");
        await pool.WaitForAsync("batch", TaskState.Running);

        // What a start cut off by a silo's stop leaves on a card that moved with its state: the slice, marked starting.
        // Made here by hand on a fresh card activation, between two heartbeats (they follow the fake clock).
        var id = GrainKeys.Gpu(GrainKeys.Node("dc1", "n0"), 0);
        var card = pool.Grains.GetGrain<IGpuGrain>(id);
        var before = (await card.GetSnapshot())!;
        var slice = Assert.Single(before.Slices);
        await card.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await card.Attach(before.Device, before.ComputeCapacityMilli, before.MemoryCapacityMiB, null!);
        Assert.True((await card.Reserve(slice)).Accepted);
        await card.PrepareStart(slice.TaskId, slice.Generation);
        Assert.Contains("batch", (await card.GetSnapshot())!.Starting);

        // The daemon's heartbeat says it runs the task: the node tells the card it started.
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Empty((await card.GetSnapshot())!.Starting);
        });
        Assert.Equal(TaskState.Running, await pool.StateOf("batch"));
    }

    /// <summary>
    /// Stops the pool, which must not wait on the daemon that will not answer: Orleans' response timeout and the host's
    /// shutdown timeout are 30 s each, so 15 s tells a stop that waited from one that did not.
    /// </summary>
    private static async Task StopsAtOnce(TestPool pool)
    {
        var watch = Stopwatch.StartNew();
        await pool.DisposeAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the silo took {watch.Elapsed} to stop");
    }

    /// <summary>A daemon of its own on the pool's clock, registered and schedulable.</summary>
    private static async Task<(GpuNodeDaemon Daemon, SimulatedGpuBackend Backend)> Daemon(TestPool pool, int gpus)
    {
        var (daemon, backend) = await pool.StartOwnDaemonAsync("gone", gpus);
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.SchedulerSnapshot()).Nodes));
        return (daemon, backend);
    }

    /// <summary>A daemon that registered and then stopped (its node still schedulable: the lease is off), and its cards.</summary>
    private static async Task<(GpuNodeDaemon Daemon, Func<int, IGpuGrain> Card)> GoneDaemon(TestPool pool, int gpus)
    {
        var (daemon, _) = await Daemon(pool, gpus);
        await daemon.DisposeAsync();
        return (daemon, i => pool.Grains.GetGrain<IGpuGrain>(GrainKeys.Gpu(daemon.NodeId, i)));
    }
}
