namespace Orion.Grains.Scheduling;

/// <summary>A task's spread group as placement reads it: at most <paramref name="MaxPerNode"/> of the tenant's group on a node. Pure.</summary>
public sealed record SpreadRule(string Tenant, string Group, int MaxPerNode)
{
    /// <summary>True when the node holds fewer of the group than the most allowed.</summary>
    public bool Allows(NodeView node) => node.SpreadCount(Tenant, Group) < MaxPerNode;
}
