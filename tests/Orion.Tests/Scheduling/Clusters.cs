using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

/// <summary>Hand-built cluster views for policy tests.</summary>
public static class Clusters
{
    public static NodeView Node(string id, int gpus = 4, string model = "A100-80GB", long cpu = 64_000, long memory = 262_144, string dc = "dc1") =>
        new(id, dc, cpu, memory, [.. Enumerable.Range(0, gpus).Select(i => new GpuView($"{id}/{i}", i, model, 1000, 81_920))]);

    /// <summary>A node as its grain's account builds it: A100 cards, with labels, taints and spread counts as given.</summary>
    public static NodeView Reported(string id, int gpus = 2, IEnumerable<(string Key, string Value)>? labels = null, ImmutableDictionary<string, string>? taints = null,
        ImmutableArray<SpreadCount> spread = default, long version = 1) =>
        NodeView.FromSnapshot(new NodeSnapshot(id, "dc1", 64_000, 0, 262_144, 0,
            [.. Enumerable.Range(0, gpus).Select(i => new GpuSnapshot(new GpuDevice($"{id}/{i}", i, "A100-80GB", 81_920, 1.0, 25, $"GPU-{id}-{i}"), 1000, [], 1))],
            true, version, Spread: spread.IsDefault ? [] : spread, Labels: labels?.ToImmutableDictionary(l => l.Key, l => l.Value) is { Count: > 0 } l ? l : null, Taints: taints));

    public static ClusterView Of(params NodeView[] nodes)
    {
        var view = new ClusterView();
        foreach (var n in nodes)
        {
            view.Upsert(n);
        }

        return view;
    }

    public static PlacementRequest Slice(int milli, long memory = 8192, long cpu = 1000, long hostMemory = 1024, string[]? models = null, string? dc = null) =>
        new(1, milli, memory, cpu, hostMemory, models ?? [], dc);

    public static PlacementRequest Whole(int gpus, long cpu = 1000, long hostMemory = 1024) => new(gpus, 1000, 0, cpu, hostMemory, []);

    /// <summary>Takes <paramref name="milli"/> of card <paramref name="gpu"/> on <paramref name="node"/>, as a placed task would.</summary>
    public static void Use(NodeView node, int gpu, int milli, long memory = 8192) =>
        ClusterView.Apply(new PlacementChoice(node, [gpu]), Slice(milli, memory, 0, 0));
}
