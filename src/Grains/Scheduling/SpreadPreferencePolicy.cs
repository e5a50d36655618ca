namespace Orion.Grains.Scheduling;

/// <summary>
/// Places a task whose spread group is a preference (<see cref="SpreadRule.Preferred"/>) by the rule while a node allows
/// it, and otherwise where the group is thinnest: the rule loosened one task per domain at a time, so the task goes to a
/// domain holding the fewest of its group that has room; failing that (only nodes without the rule's label have room),
/// anywhere. Other requests are the inner policy's.
/// </summary>
public sealed class SpreadPreferencePolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    public string Name => inner.Name;

    public void Observe(PlacementRequest request) => inner.Observe(request);

    public PlacementChoice? Choose(ClusterView cluster, PlacementRequest request)
    {
        var choice = inner.Choose(cluster, request);
        if (choice is not null || request.Spread is not { Preferred: true } rule)
        {
            return choice;
        }

        // No domain below the most: the fewest held anywhere above it, then one more each time, up to the most any domain holds.
        var most = 0;
        foreach (var node in cluster.Nodes)
        {
            if (rule.Count(node) is var held and < int.MaxValue)
            {
                most = Math.Max(most, held);
            }
        }

        for (var max = rule.MaxPerDomain + 1; max <= most + 1; max++)
        {
            if (inner.Choose(cluster, request with { Spread = rule with { MaxPerDomain = max } }) is { } looser)
            {
                return looser;
            }
        }

        return rule.TopologyKey is null ? null : inner.Choose(cluster, request with { Spread = null });
    }
}
