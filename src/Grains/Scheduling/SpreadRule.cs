namespace Orion.Grains.Scheduling;

/// <summary>A task's spread group as placement reads it: at most <paramref name="MaxPerNode"/> of the tenant's group on a node. Pure.</summary>
/// <param name="Preferred">A preference: when no node allows it, the task goes where the group is thinnest (<see cref="SpreadPreferencePolicy"/>).</param>
public sealed record SpreadRule(string Tenant, string Group, int MaxPerNode, bool Preferred = false)
{
    /// <summary>True when the node holds fewer of the group than the most allowed.</summary>
    public bool Allows(NodeView node) => node.SpreadCount(Tenant, Group) < MaxPerNode;
}
