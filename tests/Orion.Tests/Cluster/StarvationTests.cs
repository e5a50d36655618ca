using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A task that waited past the starvation limit at the head of the queue gets a node held until it fits.</summary>
public sealed class StarvationTests
{
    private static TaskSpec Card() => Specs.Batch(computePercent: 100, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 1e9);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_four_card_job_that_waited_past_the_limit_takes_its_node_as_it_empties_and_one_card_jobs_wait(bool holding)
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)], starvationLimit: holding ? TimeSpan.FromMinutes(5) : TimeSpan.Zero);
        foreach (var id in new[] { "s1", "s2", "s3", "s4" })
        {
            await pool.SubmitAsync(Card(), id);
            await pool.WaitForAsync(id, TaskState.Running);
        }

        // Four whole cards: it waits at the head of the queue (training outranks offline) while the cards are busy.
        await pool.SubmitAsync(Specs.Training(gpus: 4, steps: 1_000_000), "train");
        pool.Advance(TimeSpan.FromMinutes(6));

        // A one-card job arrives, then a card frees.
        await pool.SubmitAsync(Card(), "q1");
        await pool.Client.CancelAsync("s1");
        if (!holding)
        {
            // Work-conserving without a hold: the freed card goes to the small job, and the large one waits on.
            await pool.WaitForAsync("q1", TaskState.Running);
            Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("train"))!.State);
            return;
        }

        // Held: nothing else lands on n0, so each card that frees stays free until the training job fits (without the
        // hold, q1 takes the first and the job never sees four free cards).
        await pool.EventuallyAsync(async () =>
        {
            var events = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100);
            Assert.Contains(events, e => e is { Kind: PoolEventKinds.Hold, TaskId: "train", Where: "dc1/n0" });
        });
        foreach (var id in new[] { "s2", "s3", "s4" })
        {
            await pool.Client.CancelAsync(id);
        }

        await pool.WaitForAsync("train", TaskState.Running);
        Assert.Equal(TaskState.Pending, (await pool.Client.GetAsync("q1"))!.State);
        await pool.AssertConsistentAsync(["s1", "s2", "s3", "s4", "train", "q1"]);
    }

    [Fact]
    public async Task A_starving_job_behind_a_one_card_task_that_no_node_can_take_still_gets_its_node_held()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)], starvationLimit: TimeSpan.FromMinutes(5));
        foreach (var id in new[] { "s1", "s2", "s3", "s4" })
        {
            await pool.SubmitAsync(Card(), id);
            await pool.WaitForAsync(id, TaskState.Running);
        }

        // Ahead of the four-card job, in priority and time: a one-card job for a model no node has (it waits for one to join).
        var h100 = Specs.Training(gpus: 1, steps: 1_000_000) with { Constraints = PlacementConstraints.Models("H100-80GB") };
        await pool.SubmitAsync(h100, "h100");
        await pool.SubmitAsync(Specs.Training(gpus: 4, steps: 1_000_000), "train");
        Assert.Equal(["h100", "train"], (await pool.SchedulerSnapshot()).Queue);
        pool.Advance(TimeSpan.FromMinutes(6));

        // The next round (q1's arrival) holds n0 for the four-card job, though it is second in the queue.
        await pool.SubmitAsync(Card(), "q1");
        await pool.EventuallyAsync(async () =>
        {
            var events = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100);
            Assert.Contains(events, e => e is { Kind: PoolEventKinds.Hold, TaskId: "train", Where: "dc1/n0" });
        });
        foreach (var id in new[] { "s1", "s2", "s3", "s4" })
        {
            await pool.Client.CancelAsync(id);
        }

        await pool.WaitForAsync("train", TaskState.Running);
        Assert.Equal((TaskState.Pending, TaskState.Pending), ((await pool.Client.GetAsync("q1"))!.State, (await pool.Client.GetAsync("h100"))!.State));
        await pool.AssertConsistentAsync(["s1", "s2", "s3", "s4", "h100", "train", "q1"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_gang_that_waited_past_the_limit_gets_the_nodes_it_needs_held_as_they_empty(bool holding)
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)], starvationLimit: holding ? TimeSpan.FromMinutes(5) : TimeSpan.Zero);
        string[] busy = ["s1", "s2", "s3", "s4"];
        foreach (var id in busy)
        {
            await pool.SubmitAsync(Card(), id);
            await pool.WaitForAsync(id, TaskState.Running);
        }

        // A gang of two members of two cards each needs both nodes empty; it waits at the head of the queue.
        var member = Specs.Training(gpus: 2, steps: 1_000_000) with { Gang = new GangSpec("allreduce", 2) };
        await pool.Client.SubmitManyAsync([new(member, "rank-0"), new(member, "rank-1")]);
        pool.Advance(TimeSpan.FromMinutes(6));

        // A one-card job arrives, then a card frees.
        await pool.SubmitAsync(Card(), "q1");
        await pool.Client.CancelAsync("s1");
        if (!holding)
        {
            // Without a hold the freed card goes to the small job, and the gang waits on.
            await pool.WaitForAsync("q1", TaskState.Running);
            Assert.Equal([TaskState.Pending, TaskState.Pending], await Task.WhenAll(new[] { "rank-0", "rank-1" }.Select(pool.StateOf)));
            return;
        }

        // Held: both nodes take nothing else, so each card that frees stays free until the whole gang fits.
        await pool.EventuallyAsync(async () =>
        {
            var events = await pool.Grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, 100);
            Assert.Contains(events, e => e is { Kind: PoolEventKinds.Hold, TaskId: "rank-0" or "rank-1" } && e.Detail.Contains("dc1/n0") && e.Detail.Contains("dc1/n1"));
        });
        foreach (var id in busy[1..])
        {
            await pool.Client.CancelAsync(id);
            Assert.Equal(TaskState.Pending, await pool.StateOf("q1"));
        }

        await pool.WaitForAsync("rank-0", TaskState.Running);
        await pool.WaitForAsync("rank-1", TaskState.Running);
        Assert.Equal(TaskState.Pending, await pool.StateOf("q1"));
        await pool.AssertConsistentAsync([.. busy, "rank-0", "rank-1", "q1"]);
    }
}
