namespace Orion.Grains.Scheduling;

/// <summary>
/// A task's spread group as placement reads it: at most <paramref name="MaxPerDomain"/> of the tenant's group in a domain,
/// which is a node, or with <paramref name="TopologyKey"/> the nodes of the view sharing a value of that label. Pure.
/// </summary>
/// <param name="Preferred">A preference: when no node allows it, the task goes where the group is thinnest (<see cref="SpreadPreferencePolicy"/>).</param>
public sealed record SpreadRule(string Tenant, string Group, int MaxPerDomain, bool Preferred = false, string? TopologyKey = null)
{
    /// <summary>True when the node's domain holds fewer of the group than the most allowed (never for a node without the key's label).</summary>
    public bool Allows(NodeView node) => Count(node) < MaxPerDomain;

    /// <summary>
    /// The group's tasks in the node's domain: on the node, or on every node of its view with the same value of the key's
    /// label; <see cref="int.MaxValue"/> for a node without that label, which is in no domain.
    /// </summary>
    public int Count(NodeView node)
    {
        if (TopologyKey is null)
        {
            return node.SpreadCount(Tenant, Group);
        }

        if (node.Labels is null || !node.Labels.TryGetValue(TopologyKey, out var domain))
        {
            return int.MaxValue;
        }

        // A node outside any view is a domain of its own.
        return node.Cluster?.DomainCount(Tenant, Group, TopologyKey, domain) ?? node.SpreadCount(Tenant, Group);
    }
}
