using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

public sealed class CancelTests
{
    [Fact]
    public async Task Cancelling_a_pending_task_takes_it_out_of_the_queue()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 1000), "running");
        await pool.WaitForAsync("running", TaskState.Running);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0), "waiting");
        Assert.Equal(["waiting"], (await pool.SchedulerSnapshot()).Queue.ToArray());

        var cancelled = await pool.Client.CancelAsync("waiting", "not needed");
        Assert.Equal(TaskState.Cancelled, cancelled!.State);
        Assert.Equal("not needed", cancelled.ExitReason);
        Assert.Empty((await pool.SchedulerSnapshot()).Queue);

        // When the card frees, the cancelled task does not take it.
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync("running", TaskState.Completed);
        await pool.EventuallyAsync(async () => Assert.Empty(Assert.Single((await pool.NodeSnapshot("n0")).Gpus).Slices));
        Assert.Equal(TaskState.Cancelled, await pool.StateOf("waiting"));
    }

    [Fact]
    public async Task Cancelling_a_running_task_stops_it_and_frees_its_card_at_once()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 60_000), "long");
        await pool.WaitForAsync("long", TaskState.Running);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, gpuMemoryMiB: 0), "next");

        await pool.Client.CancelAsync("long");
        Assert.False(pool.Backend("n0").Running.ContainsKey("long"));

        // No simulated time passes: the freed card goes to the queued task straight away.
        await pool.WaitForAsync("next", TaskState.Running);
        await pool.AssertConsistentAsync(["long", "next"]);

        var again = await pool.Client.CancelAsync("long");
        Assert.Equal(TaskState.Cancelled, again!.State);
        Assert.Null(await pool.Client.CancelAsync("no-such-task"));
    }
}
