using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

/// <summary>Hand-built cluster views for policy tests.</summary>
public static class Clusters
{
    public static NodeView Node(string id, int gpus = 4, string model = "A100-80GB", long cpu = 64_000, long memory = 262_144, string dc = "dc1") =>
        new(id, dc, cpu, memory, [.. Enumerable.Range(0, gpus).Select(i => new GpuView($"{id}/{i}", i, model, 1000, 81_920))]);

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
