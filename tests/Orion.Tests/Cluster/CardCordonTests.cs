using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Cordoning one card keeps new work off it and leaves its node's other cards working; draining it moves its tasks.</summary>
public sealed class CardCordonTests
{
    private static TaskSpec Half() => Specs.Batch(computePercent: 50, gpuMemoryMiB: 4096, items: 1, gpuMsPerItem: 1e9);

    [Fact]
    public async Task A_cordoned_card_takes_no_new_task_keeps_its_running_one_and_takes_work_again_once_uncordoned()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Half(), "first");
        var card = Assert.Single((await pool.WaitForAsync("first", TaskState.Running)).Placement!.GpuIds);
        var other = card == "dc1/n0/0" ? "dc1/n0/1" : "dc1/n0/0";

        var cordoned = await pool.Client.CordonCardAsync(card, "ECC errors rising");
        Assert.Equal(("ECC errors rising", true, (string?)null), (cordoned!.CordonOf(card), cordoned.Schedulable, cordoned.CordonOf(other)));

        // Half of the cordoned card is free, yet new work goes to the other card, and then waits.
        await pool.SubmitAsync(Half(), "second");
        await pool.SubmitAsync(Half(), "third");
        Assert.Equal([other], (await pool.WaitForAsync("second", TaskState.Running)).Placement!.GpuIds);
        Assert.Equal([other], (await pool.WaitForAsync("third", TaskState.Running)).Placement!.GpuIds);
        await pool.SubmitAsync(Half(), "fourth");
        Assert.Equal(TaskState.Pending, await pool.StateOf("fourth"));
        Assert.Equal(TaskState.Running, await pool.StateOf("first"));
        Assert.Equal("ECC errors rising", (await pool.Client.GetPoolAsync()).Cards.Single(c => c.GpuId == card).CordonReason);

        // The node refuses the card itself, whatever a scheduler's view says.
        var refused = await pool.Grains.GetGrain<INodeGrain>("dc1/n0").Reserve(new ReservationRequest("direct", 1, [card], 100, 1024, false, 100, 100, new TaskPriority(PriorityClass.Offline)));
        Assert.Equal((false, $"card {card} is cordoned: ECC errors rising"), (refused.Accepted, refused.Reason));

        Assert.Null((await pool.Client.UncordonCardAsync(card))!.CordonOf(card));
        Assert.Equal([card], (await pool.WaitForAsync("fourth", TaskState.Running)).Placement!.GpuIds);
        await pool.AssertConsistentAsync(["first", "second", "third", "fourth"]);
    }

    [Fact]
    public async Task Draining_a_card_moves_its_tasks_to_another_card_and_leaves_the_rest_of_the_node_alone()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Specs.Training(1, steps: 1_000_000), "whole");
        var card = Assert.Single((await pool.WaitForAsync("whole", TaskState.Running)).Placement!.GpuIds);
        await pool.SubmitAsync(Half(), "beside");
        var beside = await pool.WaitForAsync("beside", TaskState.Running);
        Assert.NotEqual([card], beside.Placement!.GpuIds);

        var drained = await pool.Client.DrainCardAsync(card, "reseat the card");
        Assert.Equal(["whole"], drained.Evicted);
        Assert.Empty(drained.Left);

        // It waits (the other card is half taken) rather than land on the drained card; an eviction is not a failure.
        await pool.EventuallyAsync(async () => Assert.Equal((TaskState.Pending, 2L), ((await pool.Client.GetAsync("whole"))!.State, (await pool.Client.GetAsync("whole"))!.Generation)));
        Assert.Equal(0, (await pool.Client.GetAsync("whole"))!.Restarts);
        Assert.Equal((TaskState.Running, beside.Generation), ((await pool.Client.GetAsync("beside"))!.State, (await pool.Client.GetAsync("beside"))!.Generation));
        await pool.Client.CancelAsync("beside");
        Assert.NotEqual([card], (await pool.WaitForAsync("whole", TaskState.Running)).Placement!.GpuIds);
        await pool.AssertConsistentAsync(["whole", "beside"]);
    }

    [Fact]
    public async Task A_card_cordon_outlives_the_node_grains_activation()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.Client.CordonCardAsync("dc1/n0/0", "thermal throttling");
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        await node.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Null(await node.GetSnapshot());

        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Equal("thermal throttling", (await node.GetSnapshot())?.CordonOf("dc1/n0/0"));
        });
        await pool.SubmitAsync(Half(), "waits");
        Assert.Equal(TaskState.Pending, await pool.StateOf("waits"));
    }

    [Fact]
    public async Task A_card_cordon_whose_write_fails_is_not_in_force_and_the_caller_hears_it()
    {
        var storage = new FlakyGrainStorage();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], storage: storage);
        storage.FailWrites("dc1/n0");
        await Assert.ThrowsAnyAsync<Exception>(() => pool.Client.CordonCardAsync("dc1/n0/0", "ECC errors rising"));
        Assert.Equal(1, storage.FailedWrites);

        // Not written, not held: the card takes work as storage says it does.
        Assert.Null((await pool.NodeSnapshot("n0")).CordonedCards);
        await pool.SubmitAsync(Half(), "runs");
        await pool.WaitForAsync("runs", TaskState.Running);

        storage.Heal();
        Assert.Equal("ECC errors rising", (await pool.Client.CordonCardAsync("dc1/n0/0", "ECC errors rising"))!.CordonOf("dc1/n0/0"));
    }

    [Theory]
    [InlineData("dc1/n0/7", "gpuId")]
    [InlineData("dc1/n1/0", "gpuId")]
    [InlineData("dc1/n0", "gpuId")]
    [InlineData("dc1/n0/0", "reason")]
    public async Task A_card_that_is_not_the_pools_or_a_bad_reason_is_refused_naming_it_and_changes_nothing(string gpuId, string field)
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.CordonCardAsync(gpuId, field == "reason" ? " " : "why"));
        Assert.Equal(field, refused.ParamName);
        Assert.Null((await pool.NodeSnapshot("n0")).CordonedCards);

        // The node grain checks its own cards too.
        var direct = await Assert.ThrowsAsync<ArgumentException>(() => pool.Grains.GetGrain<INodeGrain>("dc1/n0").CordonCard("dc1/n0/x", "why"));
        Assert.Contains("must be a card of node dc1/n0", direct.Message);
    }
}
