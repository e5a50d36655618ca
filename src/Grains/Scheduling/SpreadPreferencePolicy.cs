namespace Orion.Grains.Scheduling;

/// <summary>
/// Places a task whose spread group is a preference (<see cref="SpreadRule.Preferred"/>) by the rule while a node allows
/// it, and otherwise where the group is thinnest: the rule loosened one task per node at a time, so the task goes to a
/// node holding the fewest of its group that has room. Other requests are the inner policy's.
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

        // No node below the most: the fewest held anywhere above it, then one more each time, up to the most any node holds.
        var most = 0;
        foreach (var node in cluster.Nodes)
        {
            most = Math.Max(most, node.SpreadCount(rule.Tenant, rule.Group));
        }

        for (var max = rule.MaxPerNode + 1; max <= most + 1; max++)
        {
            if (inner.Choose(cluster, request with { Spread = rule with { MaxPerNode = max } }) is { } looser)
            {
                return looser;
            }
        }

        return null;
    }
}
