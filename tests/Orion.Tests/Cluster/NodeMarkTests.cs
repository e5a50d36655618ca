using System.Collections.Immutable;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Operators label and taint nodes live, over their daemons' flags; the marks outlive the node grain.</summary>
public sealed class NodeMarkTests
{
    private static TaskSpec WholeCard(ImmutableDictionary<string, string>? selector = null, string? tolerate = null) =>
        Specs.Batch(computePercent: 100, items: 1_000_000) with
        {
            Constraints = PlacementConstraints.None with { NodeSelector = selector, Tolerations = tolerate is null ? null : [tolerate] },
        };

    private static NodeMarks Set(string key, string value) => new(ImmutableDictionary<string, string>.Empty.Add(key, value));

    [Fact]
    public async Task A_label_and_a_taint_set_live_steer_placement_at_once_outlive_the_node_grain_and_come_off_again()
    {
        var zoned = Node("n0", gpus: 2);
        zoned.Labels["zone"] = "a";
        await using var pool = await StartAsync([zoned, Node("n1", gpus: 2)]);

        // A label set live: a selector of it places on n1 from now on.
        var labelled = await pool.Client.LabelNodeAsync("dc1/n1", Set("pool", "ci"));
        Assert.Equal("ci", labelled!.Labels!["pool"]);
        var selected = await pool.SubmitAsync(WholeCard(ImmutableDictionary<string, string>.Empty.Add("pool", "ci")), "selected");
        Assert.Equal("dc1/n1", (await pool.WaitForAsync(selected.TaskId, TaskState.Running)).Placement!.NodeId);

        // A taint set live: n1's idle card takes nothing that does not tolerate it; the running task runs on.
        var tainted = await pool.Client.TaintNodeAsync("dc1/n1", Set("dedicated", "ci"));
        Assert.Equal("ci", tainted!.Taints!["dedicated"]);
        var plain = await pool.Client.SubmitManyAsync([new(WholeCard(), "p-0"), new(WholeCard(), "p-1"), new(WholeCard(), "p-2")]);
        var waiting = Assert.Single(plain, s => s.State == TaskState.Pending).TaskId;
        Assert.StartsWith("0 of 2 nodes take it now: tainted dedicated=ci, which it does not tolerate (1)", await pool.Client.WhyWaitingAsync(waiting));
        Assert.Equal(TaskState.Running, await pool.StateOf("selected"));

        // The node grain goes and comes back with its daemon's next heartbeat: the marks were kept in storage.
        var grain = pool.Grains.GetGrain<INodeGrain>("dc1/n1");
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () =>
        {
            pool.Advance(TimeSpan.FromMilliseconds(500));
            var again = await grain.GetSnapshot();
            Assert.Equal(("ci", "ci"), (again?.Labels?.GetValueOrDefault("pool"), again?.Taints?.GetValueOrDefault("dedicated")));
        });

        // The daemon's own label is not the operator's to take off; nothing changes.
        var theirs = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.LabelNodeAsync("dc1/n0", new NodeMarks(Remove: ["zone"])));
        Assert.StartsWith("labels[zone] is set by node dc1/n0's daemon (--label zone=a)", theirs.Message, StringComparison.Ordinal);
        Assert.Equal("a", (await pool.NodeSnapshot("n0")).Labels!["zone"]);
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.TaintNodeAsync("dc1/n1", Set("dedicated", "a b")));
        Assert.StartsWith("taints[dedicated] value " + NodeLabels.ValueRule, bad.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.TaintNodeAsync("dc1/n9", Set("dedicated", "ci")));

        // An operator's label over the daemon's of the same key wins; taken off, the daemon's shows again.
        Assert.Equal("b", (await pool.Client.LabelNodeAsync("dc1/n0", Set("zone", "b")))!.Labels!["zone"]);
        Assert.Equal("a", (await pool.Client.LabelNodeAsync("dc1/n0", new NodeMarks(Remove: ["zone"])))!.Labels!["zone"]);

        // The taint comes off: the waiting task takes n1's idle card.
        Assert.Null((await pool.Client.TaintNodeAsync("dc1/n1", new NodeMarks(Remove: ["dedicated"])))!.Taints);
        Assert.Equal("dc1/n1", (await pool.WaitForAsync(waiting, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["selected", "p-0", "p-1", "p-2"]);
    }

    [Fact]
    public async Task A_node_tainted_live_sheds_the_tasks_that_do_not_tolerate_it_on_request_and_keeps_the_rest()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 1)]);
        await pool.Client.LabelNodeAsync("dc1/n0", Set("pool", "ci"));
        var onN0 = ImmutableDictionary<string, string>.Empty.Add("pool", "ci");
        var keeps = await pool.SubmitAsync(WholeCard(onN0, tolerate: "dedicated"), "keeps");
        var other = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1_000_000), "other");
        await pool.WaitForAsync(keeps.TaskId, TaskState.Running);
        Assert.Equal("dc1/n0", (await pool.WaitForAsync(other.TaskId, TaskState.Running)).Placement!.NodeId);
        var elsewhere = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1_000_000), "elsewhere");
        Assert.Equal("dc1/n1", (await pool.WaitForAsync(elsewhere.TaskId, TaskState.Running)).Placement!.NodeId);

        // Nothing to shed on an untainted node; tainted, the task that does not tolerate it moves off, the other runs on.
        Assert.Empty((await pool.Client.EvictUntoleratedAsync("dc1/n0")).Evicted);
        await pool.Client.TaintNodeAsync("dc1/n0", Set("dedicated", "ci"));
        var shed = await pool.Client.EvictUntoleratedAsync("dc1/n0");
        Assert.Equal(["other"], shed.Evicted.ToArray());
        Assert.Empty(shed.Left);
        Assert.Equal(TaskState.Running, await pool.StateOf("keeps"));

        // It queues again: n1 is full and n0 is kept, so it waits, saying why; n1 freed, it runs there.
        await pool.EventuallyAsync(async () => Assert.Equal(TaskState.Pending, await pool.StateOf("other")));
        Assert.Contains("tainted dedicated=ci, which it does not tolerate (1)", await pool.Client.WhyWaitingAsync("other"));
        await pool.Client.CancelAsync("elsewhere");
        Assert.Equal("dc1/n1", (await pool.WaitForAsync("other", TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["keeps", "other", "elsewhere"]);
    }

    [Fact]
    public async Task A_soft_taint_keeps_work_off_a_node_while_others_have_room_and_sheds_nothing()
    {
        // The node without the first task is the emptier one, where the spreading policy would put work; soft-tainted, it gets
        // only what the other cannot take.
        await using var pool = await StartAsync([Node("n0", gpus: 2), Node("n1", gpus: 2)], policy: "spread");
        var running = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1_000_000), "before");
        var plainNode = (await pool.WaitForAsync(running.TaskId, TaskState.Running)).Placement!.NodeId;
        var softNode = plainNode == "dc1/n0" ? "dc1/n1" : "dc1/n0";
        var tainted = await pool.Client.TaintNodeAsync(softNode, Set("spot", "yes" + NodeTaints.SoftSuffix));
        Assert.Equal("yes:PreferNoSchedule", tainted!.Taints!["spot"]);
        Assert.Empty((await pool.Client.EvictUntoleratedAsync(softNode)).Evicted);

        var next = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1_000_000), "next");
        Assert.Equal(plainNode, (await pool.WaitForAsync(next.TaskId, TaskState.Running)).Placement!.NodeId);

        // The plain node full: the soft taint no longer keeps work off.
        var spill = await pool.SubmitAsync(Specs.Batch(computePercent: 100, items: 1_000_000), "spill");
        Assert.Equal(softNode, (await pool.WaitForAsync(spill.TaskId, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["before", "next", "spill"]);

        var bad = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.TaintNodeAsync(softNode, Set("spot", "yes:NoExecute")));
        Assert.StartsWith("taints[spot] value " + NodeTaints.ValueRule, bad.Message);
    }
}
