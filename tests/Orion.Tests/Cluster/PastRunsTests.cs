using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A task's runs that let go of their capacity (<see cref="VGpuTaskStatus.PastRuns"/>) and their logs.</summary>
public sealed class PastRunsTests
{
    [Fact]
    public async Task A_task_moved_off_a_node_keeps_its_earlier_run_whose_log_is_read_from_the_node_it_ran_on()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9), "moved");
        var first = await pool.WaitForAsync("moved", TaskState.Running);
        Assert.Null(first.PastRuns);
        await pool.Client.DrainAsync(first.Placement!.NodeId, "firmware");

        var second = await pool.WaitForAsync("moved", TaskState.Running);
        Assert.Equal(2, second.Generation);
        var run = Assert.Single(second.PastRuns!);
        Assert.Equal((1L, first.Placement.NodeId, first.StartedAt), (run.Generation, run.NodeId, run.StartedAt));
        Assert.Equal(first.Placement.GpuIds, run.GpuIds);
        Assert.Contains("firmware", run.Reason);

        // Each run's log, from its own node: the first run's is still there after the move.
        var earlier = await pool.Client.ReadRunLogAsync("moved", 1);
        var now = await pool.Client.ReadRunLogAsync("moved", 2);
        Assert.Contains("started", earlier!.Text);
        Assert.NotEqual(now!.Text, earlier.Text);
        Assert.Equal((await pool.Client.ReadLogAsync("moved"))!.Text, now.Text);
        Assert.Null(await pool.Client.ReadRunLogAsync("moved", 3));

        // Its end is a run too, newest last.
        await pool.Client.CancelAsync("moved", "done with it");
        var ended = (await pool.Client.GetAsync("moved"))!;
        Assert.Equal([1L, 2L], ended.PastRuns!.Select(r => r.Generation));
        Assert.Equal((second.Placement!.NodeId, "done with it"), (ended.PastRuns![1].NodeId, ended.PastRuns[1].Reason));
    }

    [Fact]
    public async Task Only_the_newest_runs_are_kept()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)]);
        await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1, gpuMsPerItem: 1e9), "bounced");
        for (var move = 1; move <= PastRun.Kept + 2; move++)
        {
            var running = await pool.WaitForAsync("bounced", TaskState.Running);
            await pool.Client.DrainAsync(running.Placement!.NodeId, $"move {move}");
            await pool.EventuallyAsync(async () => Assert.Equal(move + 1, (await pool.Client.GetAsync("bounced"))!.Generation));
            await pool.Client.UncordonAsync(running.Placement.NodeId);
        }

        var status = await pool.WaitForAsync("bounced", TaskState.Running);
        Assert.Equal(PastRun.Kept, status.PastRuns!.Count);
        Assert.Equal(Enumerable.Range(3, PastRun.Kept).Select(g => (long)g), status.PastRuns.Select(r => r.Generation));
    }
}
