using Orion.Client.Monitoring;
using Orion.Contracts;
using static Orion.Tests.Monitoring.PoolSummarizerTests;

namespace Orion.Tests.Monitoring;

public sealed class PoolFilterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static PoolSummary Pool()
    {
        var nodes = new[]
        {
            Node("dc1/n0", Card("dc1/n0/0", [new GpuSlice("a1", 1, 500, 100, false), new GpuSlice("b1", 1, 300, 100, false)])),
            Node("dc2/n1", Card("dc2/n1/0", [new GpuSlice("a2", 1, 200, 100, false)])),
        };
        var tasks = new[]
        {
            Status("a1", TaskState.Running, "alpha", "dc1/n0/0"), Status("b1", TaskState.Running, "beta", "dc1/n0/0"),
            Status("a2", TaskState.Running, "alpha", "dc2/n1/0"), Status("q", TaskState.Pending, "alpha", null),
        };
        var events = new[]
        {
            new PoolEvent(1, T0, PoolEventKinds.Placement, "a1", "dc1/n0", ""), new PoolEvent(2, T0, PoolEventKinds.Preemption, "b1", "dc1/n0/0", ""),
            new PoolEvent(3, T0, PoolEventKinds.SwapOut, "a2", "dc2/n1/0", ""),
        };
        var tenants = new[] { new TenantUsage("beta", new TenantQuota(100), 30, 100, 1), new TenantUsage("alpha", new TenantQuota(Tasks: 5), 70, 200, 3, 1) };
        return PoolSummarizer.Summarize(T0, new SchedulerSnapshot("p", ["q"], 2, 0, 0), nodes, tasks, events, tenants);
    }

    [Fact]
    public void Data_centre_keeps_its_nodes_tasks_and_events_only()
    {
        var p = new PoolFilter(DataCenter: "dc2").Apply(Pool());
        Assert.Equal(["dc2/n1"], p.Nodes.Select(n => n.NodeId));
        Assert.Equal(["a2"], p.Tasks.Select(t => t.TaskId));
        Assert.Equal([3L], p.Events.Select(e => e.Sequence));
        Assert.Equal(1, p.TasksByState["Running"]);
    }

    [Fact]
    public void Tenant_keeps_every_card_but_only_its_slices_tasks_and_events()
    {
        var p = new PoolFilter(Tenant: "beta").Apply(Pool());
        Assert.Equal(2, p.Cards.Count());
        Assert.Equal(["b1"], p.Cards.SelectMany(c => c.Slices).Select(s => s.TaskId));
        Assert.Equal(["b1"], p.Tasks.Select(t => t.TaskId));
        Assert.Equal([2L], p.Events.Select(e => e.Sequence));
        Assert.Equal(["beta"], p.Tenants.Select(t => t.Tenant));
        Assert.Equal(["alpha", "beta"], Pool().Tenants.Select(t => t.Tenant));

        // Its place in line, not others': alpha's queued task is alpha's to see.
        Assert.Empty(p.Queue);
        Assert.Equal(["q"], new PoolFilter(Tenant: "alpha").Apply(Pool()).Queue);
        Assert.Equal(800, p.Cards.First().ComputeAllocatedMilli); // alpha's slice still counts as room taken
    }

    [Fact]
    public void Node_matches_by_id_or_bare_name_and_no_filter_changes_nothing()
    {
        Assert.Equal(["dc1/n0"], new PoolFilter(Node: "n0").Apply(Pool()).Nodes.Select(n => n.NodeId));
        Assert.Equal(["dc1/n0"], new PoolFilter(Node: "dc1/n0").Apply(Pool()).Nodes.Select(n => n.NodeId));
        Assert.Empty(new PoolFilter(DataCenter: "dc2", Node: "n0").Apply(Pool()).Nodes);
        var all = Pool();
        Assert.Same(all, new PoolFilter().Apply(all));
    }
}
