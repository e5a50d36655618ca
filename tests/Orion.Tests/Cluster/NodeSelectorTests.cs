using System.Collections.Immutable;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Nodes carry their daemon's labels; a task's node selector keeps it to nodes that have them all.</summary>
public sealed class NodeSelectorTests
{
    private static TaskSpec On(string key, string value) =>
        Specs.Batch(computePercent: 100, items: 1_000_000) with { Constraints = PlacementConstraints.None with { NodeSelector = ImmutableDictionary<string, string>.Empty.Add(key, value) } };

    [Fact]
    public async Task A_selected_task_runs_only_on_a_node_with_its_labels_and_waits_naming_them_when_that_node_is_full()
    {
        var fast = Node("fast", gpus: 1);
        fast.Labels["fabric"] = "nvlink";
        await using var pool = await StartAsync([Node("plain", gpus: 2), fast]);
        Assert.Equal(new Dictionary<string, string> { ["fabric"] = "nvlink" }, (await pool.NodeSnapshot("fast")).Labels!);
        Assert.Null((await pool.NodeSnapshot("plain")).Labels);

        var first = await pool.SubmitAsync(On("fabric", "nvlink"), "first");
        Assert.Equal("dc1/fast", (await pool.WaitForAsync(first.TaskId, TaskState.Running)).Placement!.NodeId);

        // The labelled node is full; the plain one has two idle cards, which a selected task may not use.
        var second = await pool.SubmitAsync(On("fabric", "nvlink"), "second");
        Assert.Equal(TaskState.Pending, second.State);
        Assert.Equal("0 of 2 nodes take it now: without the labels fabric=nvlink (1), no card with room for 100% compute and 8,192 MiB (1)",
            await pool.Client.WhyWaitingAsync("second"));
        Assert.Equal(TaskState.Failed, (await pool.SubmitAsync(On("fabric", "infiniband") with
        {
            Constraints = PlacementConstraints.None with { NodeSelector = ImmutableDictionary<string, string>.Empty.Add("fabric", "infiniband"), FailIfUnplaceable = true },
        }, "nowhere")).State);

        await pool.Client.CancelAsync("first");
        Assert.Equal("dc1/fast", (await pool.WaitForAsync("second", TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["first", "second", "nowhere"]);
    }

    [Fact]
    public async Task A_task_with_a_node_affinity_no_node_meets_waits_until_an_operator_labels_one_live()
    {
        var zoned = Node("n0", gpus: 1);
        zoned.Labels["zone"] = "a";
        await using var pool = await StartAsync([zoned, Node("n1", gpus: 1)]);
        var spec = Specs.Batch(computePercent: 50, items: 1_000_000) with { Constraints = PlacementConstraints.None with { NodeAffinity = ["zone in (b, c)", "!flaky"] } };
        var task = await pool.SubmitAsync(spec, "zoned");
        Assert.Equal(TaskState.Pending, task.State);
        Assert.Equal("0 of 2 nodes take it now: not meeting its node affinity zone in (b,c) (2)", await pool.Client.WhyWaitingAsync("zoned"));

        // Labelled flaky too, n1 still does not take it; without that, it does, at once.
        await pool.Client.LabelNodeAsync("dc1/n1", NodeMarks.Parse(["zone=b", "flaky=yes"], "label").Marks);
        Assert.Equal("0 of 2 nodes take it now: not meeting its node affinity zone in (b,c) (1), not meeting its node affinity !flaky (1)",
            await pool.Client.WhyWaitingAsync("zoned"));
        await pool.Client.LabelNodeAsync("dc1/n1", NodeMarks.Parse(["flaky-"], "label").Marks);
        Assert.Equal("dc1/n1", (await pool.WaitForAsync("zoned", TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["zoned"]);
    }

    [Fact]
    public async Task A_task_preferring_a_zone_goes_there_while_it_has_room_and_elsewhere_after()
    {
        var a = Node("n0", gpus: 1);
        a.Labels["zone"] = "a";
        var b = Node("n1", gpus: 1);
        b.Labels["zone"] = "b";
        await using var pool = await StartAsync([a, b]);
        var spec = Specs.Batch(computePercent: 100, items: 1_000_000) with { Constraints = PlacementConstraints.None with { PreferredNodeAffinity = ["zone=b"] } };
        Assert.Equal("dc1/n1", (await pool.WaitForAsync((await pool.SubmitAsync(spec, "first")).TaskId, TaskState.Running)).Placement!.NodeId);
        Assert.Equal("dc1/n0", (await pool.WaitForAsync((await pool.SubmitAsync(spec, "second")).TaskId, TaskState.Running)).Placement!.NodeId);
        await pool.AssertConsistentAsync(["first", "second"]);
    }
}
