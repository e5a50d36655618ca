using System.Collections.Immutable;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A node's taints keep off it every task that does not tolerate them, whatever room it has.</summary>
public sealed class TaintTests
{
    private static TaskSpec WholeCard(params string[] tolerations) =>
        Specs.Batch(computePercent: 100, items: 1_000_000) with
        {
            Constraints = PlacementConstraints.None with { Tolerations = tolerations.Length == 0 ? null : [.. tolerations] },
        };

    [Fact]
    public async Task A_tainted_node_takes_only_tasks_that_tolerate_it_and_one_that_does_not_waits_naming_the_taint()
    {
        var kept = Node("kept", gpus: 2);
        kept.Taints["dedicated"] = "training";
        await using var pool = await StartAsync([Node("plain", gpus: 2), kept]);
        Assert.Equal(new Dictionary<string, string> { ["dedicated"] = "training" }, (await pool.NodeSnapshot("kept")).Taints!);
        Assert.Null((await pool.NodeSnapshot("plain")).Taints);

        // Three whole cards that do not tolerate the taint: two run on the plain node, the third waits beside two idle cards.
        var submitted = await pool.Client.SubmitManyAsync([new(WholeCard(), "w-0"), new(WholeCard(), "w-1"), new(WholeCard(), "w-2")]);
        var waiting = Assert.Single(submitted, s => s.State == TaskState.Pending).TaskId;
        foreach (var s in submitted.Where(s => s.TaskId != waiting))
        {
            Assert.Equal("dc1/plain", (await pool.WaitForAsync(s.TaskId, TaskState.Running)).Placement!.NodeId);
        }

        Assert.Equal("0 of 2 nodes take it now: tainted dedicated=training, which it does not tolerate (1), no card with room for 100% compute and 8,192 MiB (1)",
            await pool.Client.WhyWaitingAsync(waiting));

        // One that tolerates it runs there; a fail-fast one that does not fails.
        var trainer = await pool.SubmitAsync(WholeCard("dedicated=training"), "trainer");
        Assert.Equal("dc1/kept", (await pool.WaitForAsync(trainer.TaskId, TaskState.Running)).Placement!.NodeId);
        var late = await pool.SubmitAsync(WholeCard() with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } }, "late");
        Assert.Equal(TaskState.Failed, late.State);

        // The node itself refuses a reservation that does not tolerate its taint, whatever a scheduler's view says.
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/kept");
        var refused = await node.Reserve(new("stray", 1, ["dc1/kept/1"], 1000, 0, true, 100, 100, new TaskPriority(PriorityClass.Offline), Tenant: "default"));
        Assert.Equal((false, "node dc1/kept is tainted dedicated=training, which the task does not tolerate"), (refused.Accepted, refused.Reason));
        var allowed = await node.Reserve(new("stray", 1, ["dc1/kept/1"], 1000, 0, true, 100, 100, new TaskPriority(PriorityClass.Offline), Tenant: "default",
            Tolerations: ImmutableList.Create("dedicated")));
        Assert.True(allowed.Accepted, allowed.Reason);
        await node.Release("stray", 1);

        // A plain card frees: the waiting one takes it, never the tainted node's idle card.
        await pool.Client.CancelAsync(submitted.First(s => s.TaskId != waiting).TaskId);
        Assert.Equal("dc1/plain", (await pool.WaitForAsync(waiting, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["w-0", "w-1", "w-2", "trainer", "late"]);
    }
}
