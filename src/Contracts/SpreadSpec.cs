namespace Orion.Contracts;

/// <summary>
/// Keeps a tenant's tasks of one group apart, such as the replicas of an online service, so that losing one machine takes
/// few of them: at most <paramref name="MaxPerNode"/> of the group's tasks hold anything on one node. A task waits
/// (or fails, with <see cref="PlacementConstraints.FailIfUnplaceable"/>) rather than break the rule.
/// </summary>
/// <param name="Group">The group's name within its tenant (1 to 128 characters of letters, digits, '-', '_' or '.').</param>
/// <param name="MaxPerNode">The most tasks of the group on one node (1..<see cref="MaxPerNodeLimit"/>).</param>
/// <param name="Preferred">
/// A preference, not a rule: when every node that has room already holds the most, the task still runs, on a node that
/// holds the fewest of the group (as Kubernetes' <c>ScheduleAnyway</c>). False: it waits rather than break the rule.
/// </param>
[GenerateSerializer, Alias("orion.SpreadSpec"), Immutable]
public sealed record SpreadSpec(
    [property: Id(0)] string Group,
    [property: Id(1)] int MaxPerNode = 1,
    [property: Id(2)] bool Preferred = false)
{
    /// <summary>The largest <see cref="MaxPerNode"/>.</summary>
    public const int MaxPerNodeLimit = 1024;
}
