using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Restarts that wait out a backoff (<see cref="RestartPolicy.Backoff"/>) in fake time.</summary>
public sealed class RestartBackoffTests
{
    [Fact]
    public async Task A_failing_start_is_retried_after_a_backoff_that_doubles_and_runs_once_starts_work_again()
    {
        var faults = new GrainCallFaults();
        faults.Fail("IGpuGrain.TryStartTask");
        faults.Fail("INodeGrain.StartTask");
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, queueRecovery: true);
        var spec = Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9) with { Restart = RestartPolicy.OnFailure(5, TimeSpan.FromSeconds(10)) };
        await pool.SubmitAsync(spec, "flaky");

        var first = await pool.WaitForAsync("flaky", TaskState.Pending);
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await pool.Client.GetAsync("flaky"))!.Restarts));
        var waiting = (await pool.Client.GetAsync("flaky"))!;
        Assert.Equal(pool.Clock.GetUtcNow().AddSeconds(10), waiting.RetryAt);
        Assert.Null(waiting.QueuedIn);
        Assert.DoesNotContain("flaky", (await pool.SchedulerSnapshot()).Queue);
        Assert.StartsWith("restart 1 of 5 waits out its backoff: queued again at", await pool.Client.WhyWaitingAsync("flaky"));

        // The recovery reminder does not queue it early.
        await pool.Grains.GetGrain<IVGpuTaskGrain>("flaky").Cast<IRemindable>().ReceiveReminder("queue", default);
        Assert.Equal((waiting.Generation, 1), ((await pool.Client.GetAsync("flaky"))!.Generation, (await pool.Client.GetAsync("flaky"))!.Restarts));

        // Ten seconds on, queued again under the generation it waited in: it fails to start again and waits twice as long.
        pool.Advance(TimeSpan.FromSeconds(10));
        await pool.EventuallyAsync(async () => Assert.Equal(2, (await pool.Client.GetAsync("flaky"))!.Restarts));
        var second = (await pool.Client.GetAsync("flaky"))!;
        Assert.Equal(pool.Clock.GetUtcNow().AddSeconds(20), second.RetryAt);
        Assert.Equal(waiting.Generation + 1, second.Generation);

        faults.Heal("IGpuGrain.TryStartTask");
        faults.Heal("INodeGrain.StartTask");
        pool.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal(TaskState.Pending, await pool.StateOf("flaky"));
        pool.Advance(TimeSpan.FromSeconds(1));
        var running = await pool.WaitForAsync("flaky", TaskState.Running);
        Assert.Equal((2, (DateTimeOffset?)null), (running.Restarts, running.RetryAt));
        Assert.True(first.Generation < running.Generation);
    }

    [Fact]
    public async Task A_task_cancelled_while_it_waits_out_its_backoff_is_not_queued_after_it()
    {
        var faults = new GrainCallFaults();
        faults.Fail("IGpuGrain.TryStartTask");
        faults.Fail("INodeGrain.StartTask");
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9) with { Restart = RestartPolicy.OnFailure(5, TimeSpan.FromMinutes(1)) }, "flaky");
        await pool.EventuallyAsync(async () => Assert.NotNull((await pool.Client.GetAsync("flaky"))!.RetryAt));
        await pool.Client.CancelAsync("flaky");
        faults.Heal("IGpuGrain.TryStartTask");
        faults.Heal("INodeGrain.StartTask");
        pool.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TaskState.Cancelled, await pool.StateOf("flaky"));
        Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices);
    }
}
