using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>AcquireAsync checks its options before submitting, and leaves no service behind when its wait is given up.</summary>
public sealed class LeaseAcquireTests
{
    [Fact]
    public async Task An_acquire_cancelled_while_queued_cancels_its_task()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await using var first = await pool.Client.AcquireAsync(Specs.Service(80, 4096, requestsPerSecond: 0));

        // The card is full (80% + 50% with no oversubscription): the second service queues and the acquire waits.
        using var cts = new CancellationTokenSource();
        var acquire = pool.Client.AcquireAsync(Specs.Service(50, 4096, name: "late", requestsPerSecond: 0), new LeaseOptions { TaskId = "late" }, cts.Token);
        await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Pending, await pool.StateOf("late")));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acquire);

        var late = await pool.WaitForAsync("late", TaskState.Cancelled, TaskState.Running, TaskState.Completed, TaskState.Failed);
        Assert.Equal((TaskState.Cancelled, "acquire abandoned"), (late.State, late.ExitReason));

        // Freeing the card must not start it.
        await first.DisposeAsync();
        await pool.WaitForAsync(first.TaskId, TaskState.Cancelled);
        Assert.Equal(TaskState.Cancelled, await pool.StateOf("late"));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(50 * 24 * 3600.0)]
    public async Task A_hold_time_out_of_a_timers_range_is_refused_before_anything_is_submitted(double seconds)
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            pool.Client.AcquireAsync(Specs.Service(30, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.FromSeconds(seconds), TaskId = "svc" }));
        Assert.Equal("options.HoldTime", ex.ParamName);
        Assert.Contains("must be from 0 to", ex.Message);
        Assert.Null(await pool.Client.GetAsync("svc"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task A_blank_task_id_is_refused_before_anything_is_submitted(string id)
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.Client.AcquireAsync(Specs.Service(30, 4096, requestsPerSecond: 0), new LeaseOptions { TaskId = id }));
        Assert.Equal("options.TaskId", ex.ParamName);
        Assert.Empty(await pool.Client.ListAsync());
    }
}
