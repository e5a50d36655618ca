namespace Orion.Contracts;

/// <summary>
/// Keeps a tenant's tasks of one group apart, such as the replicas of an online service, so that losing one machine takes
/// few of them: at most <paramref name="MaxPerNode"/> of the group's tasks hold anything on one node. A task waits
/// (or fails, with <see cref="PlacementConstraints.FailIfUnplaceable"/>) rather than break the rule.
/// </summary>
/// <param name="Group">The group's name within its tenant (1 to 128 characters of letters, digits, '-', '_' or '.').</param>
/// <param name="MaxPerNode">The most tasks of the group on one node (1..<see cref="MaxPerNodeLimit"/>).</param>
[GenerateSerializer, Alias("orion.SpreadSpec"), Immutable]
public sealed record SpreadSpec(
    [property: Id(0)] string Group,
    [property: Id(1)] int MaxPerNode = 1)
{
    /// <summary>The largest <see cref="MaxPerNode"/>.</summary>
    public const int MaxPerNodeLimit = 1024;
}
