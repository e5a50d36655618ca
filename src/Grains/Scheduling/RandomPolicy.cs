namespace Orion.Grains.Scheduling;

/// <summary>Random: any node that fits, uniformly; a fitting card on it at random. The floor other policies are measured against.</summary>
public sealed class RandomPolicy(int seed) : IPlacementPolicy
{
    public const string PolicyName = "random";

    private readonly Random random = new(seed);

    public string Name => PolicyName;

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request)
    {
        // Reservoir sampling: one pass, uniform over fitting nodes.
        NodeView? chosen = null;
        var seen = 0;
        foreach (var node in cluster.Nodes)
        {
            if (Feasibility.NodeFits(node, request) && random.Next(++seen) == 0)
            {
                chosen = node;
            }
        }

        if (chosen is null)
        {
            return null;
        }

        var fitting = Enumerable.Range(0, chosen.Gpus.Length).Where(i => Feasibility.GpuFits(chosen.Gpus[i], request)).ToList();
        var gpus = new int[request.GpuCount];
        for (var i = 0; i < gpus.Length; i++)
        {
            var k = random.Next(fitting.Count);
            gpus[i] = fitting[k];
            fitting.RemoveAt(k);
        }

        Array.Sort(gpus);
        return new PlacementChoice(chosen, gpus);
    }
}
