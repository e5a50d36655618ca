using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>The scheduler places a task of several cards within one link group of its node, and it runs at full pace there.</summary>
public sealed class LinkDomainPlacementTests
{
    [Fact]
    public async Task A_task_of_two_cards_lands_in_one_link_group_beside_a_task_of_one_card()
    {
        var node = Node("n0", gpus: 4);
        node.LinkDomainSize = 2;
        await using var pool = await StartAsync([node]);
        Assert.Equal([0, 0, 1, 1], (await pool.NodeSnapshot("n0")).Gpus.Select(g => g.Device.LinkDomain));

        // One card taken: the task of two goes to the other group whole, not across the two.
        await pool.SubmitAsync(Specs.Training(1, steps: 1_000_000), "one");
        var one = Assert.Single((await pool.WaitForAsync("one", TaskState.Running)).Placement!.GpuIds);
        await pool.SubmitAsync(Specs.Training(2, steps: 1_000_000), "two");
        var two = (await pool.WaitForAsync("two", TaskState.Running)).Placement!.GpuIds;
        var group = (await pool.NodeSnapshot("n0")).Gpus.ToDictionary(g => g.Device.GpuId, g => g.Device.LinkDomain);
        Assert.Single(two.Select(id => group[id]).Distinct());
        Assert.NotEqual(group[one], group[two[0]]);
        await pool.AssertConsistentAsync(["one", "two"]);
    }
}
