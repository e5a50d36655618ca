using System.Reflection;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

/// <summary>
/// The fragmentation policy scores nodes in the same state (<see cref="NodeView.SameState"/>) once; a state that leaves out
/// something the policy reads would give one node another's score. These change every settable field in turn.
/// </summary>
public sealed class NodeStateTests
{
    // Bookkeeping, not capacity: what the policy reads of a node is its capacities and what is free of them. Labels are
    // not state either (nor are taints, nor whether one is soft): policies check a node's labels per node, outside what they cache per state (Feasibility.NodeAllows,
    // covered by NodeSelectorTests), nor is the view a node is in (a spread group's domains are counted over it, checked per
    // node the same way, covered by SpreadRuleTests). A card's link group is not either: no policy scores it, and only cards
    // alike in state are traded for a better group after the policy chose (LinkDomainPolicyTests). Nor are maintenance
    // windows, checked per node against the request's start (MaintenanceCalendarTests).
    private static readonly string[] NotState = ["Revision", "Version", "Ordinal", "Changes", "Node", "Labels", "Taints", "SoftTainted", "Cluster", "LinkDomain", "Maintenance", "Address"];

    public static TheoryData<string> NodeFields => [.. Settable(typeof(NodeView)).Select(p => p.Name)];

    public static TheoryData<string> GpuFields => [.. Settable(typeof(GpuView)).Select(p => p.Name)];

    [Fact]
    public void Nodes_alike_but_for_their_ids_are_in_the_same_state()
    {
        var a = Node("a");
        var b = Node("b");
        Use(a, 1, 300);
        Use(b, 1, 300);

        Assert.True(a.SameState(b));
        Assert.Equal(a.StateHash(), b.StateHash());
        Assert.True(a.CopyState().SameState(a));
    }

    [Theory]
    [MemberData(nameof(NodeFields))]
    public void A_node_field_that_differs_is_another_state(string field)
    {
        var (a, b) = (Node("a"), Node("b"));
        Change(b, typeof(NodeView).GetProperty(field, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)!);

        Assert.False(a.SameState(b));
    }

    [Theory]
    [MemberData(nameof(GpuFields))]
    public void A_card_field_that_differs_is_another_state(string field)
    {
        var (a, b) = (Node("a"), Node("b"));
        Change(b.Gpus[2], typeof(GpuView).GetProperty(field, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)!);

        Assert.False(a.SameState(b));
    }

    [Fact]
    public void Capacities_models_data_centres_and_card_counts_are_state()
    {
        var a = Node("a");
        Assert.False(a.SameState(Node("b", cpu: 32_000)));
        Assert.False(a.SameState(Node("b", memory: 1024)));
        Assert.False(a.SameState(Node("b", model: "T4-16GB")));
        Assert.False(a.SameState(Node("b", dc: "dc2")));
        Assert.False(a.SameState(Node("b", gpus: 8)));
        Assert.False(a.SameState(new NodeView("b", "dc1", 64_000, 262_144, [.. Enumerable.Range(0, 4).Select(i => new GpuView($"b/{i}", i, "A100-80GB", 2000, 81_920))])));
        Assert.False(a.SameState(new NodeView("b", "dc1", 64_000, 262_144, [.. Enumerable.Range(0, 4).Select(i => new GpuView($"b/{i}", i, "A100-80GB", 1000, 163_840, 81_920))])));
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null && !NotState.Contains(p.Name));

    private static void Change(object target, PropertyInfo field)
    {
        object value = field.GetValue(target) switch
        {
            bool b => !b,
            int i => i + 1,
            long l => l + 1,
            var other => throw new InvalidOperationException($"{field.Name} is a {other?.GetType().Name}: teach this test how to change it"),
        };
        field.SetValue(target, value);
    }
}
