using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A task's log comes from the daemon of the node it ran on, through its node grain.</summary>
public sealed class TaskLogClusterTests
{
    [Fact]
    public async Task A_tasks_log_is_read_through_its_node_while_it_runs_and_after_it_ends()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var queued = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1_000_000), "hog");
        var waits = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 3, gpuMsPerItem: 100), "later");
        Assert.Null(await pool.Client.ReadLogAsync("later"));
        Assert.Null(await pool.Client.ReadLogAsync("nobody"));

        var running = await pool.WaitForAsync(queued.TaskId, TaskState.Running);
        var log = await pool.Client.ReadLogAsync("hog");
        Assert.NotNull(log);
        Assert.Contains($"started: a batch of 1,000,000 items at 100 GPU-ms each on {running.Placement!.GpuIds[0]}, 100% of the card", log.Text);

        // Cancelled, the hog's log says it stopped; the next one runs to its end and says so.
        await pool.Client.CancelAsync("hog");
        await pool.WaitForAsync(waits.TaskId, TaskState.Running);
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.WaitForAsync(waits.TaskId, TaskState.Completed);
        Assert.Contains("stopped after", (await pool.Client.ReadLogAsync("hog"))!.Text);
        var done = string.Concat(await pool.Client.FollowLogAsync("later").ToListAsync());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z started: a batch of 3 items at 100 GPU-ms each", done);
        Assert.EndsWith("exited: completed after 300 GPU-ms of work\n", done);
        Assert.Equal(done[^20..], (await pool.Client.ReadLogAsync("later", offset: -20))!.Text);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.Client.ReadLogAsync("later", maxBytes: 0));
    }
}
