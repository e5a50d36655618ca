namespace Orion.Contracts;

/// <summary>
/// Keeps a tenant's tasks of one group apart, such as the replicas of an online service, so that losing one machine (or
/// one zone, rack or power feed) takes few of them: at most <paramref name="MaxPerDomain"/> of the group's tasks hold
/// anything in one domain. A domain is a node, or with <paramref name="TopologyKey"/> the nodes sharing a value of that
/// label. A task waits (or fails, with <see cref="PlacementConstraints.FailIfUnplaceable"/>) rather than break the rule.
/// </summary>
/// <param name="Group">The group's name within its tenant (1 to 128 characters of letters, digits, '-', '_' or '.').</param>
/// <param name="MaxPerDomain">The most tasks of the group in one domain (1..<see cref="MaxPerDomainLimit"/>).</param>
/// <param name="Preferred">
/// A preference, not a rule: when every domain with room already holds the most, the task still runs, in a domain that
/// holds the fewest of the group (as Kubernetes' <c>ScheduleAnyway</c>), and on a node without the label when no labelled
/// node has room. False: it waits rather than break the rule.
/// </param>
/// <param name="TopologyKey">
/// A node label (<see cref="NodeLabels"/>, such as <c>zone</c>) whose values are the domains; null for one domain per node.
/// A node without the label takes none of the group (unless <paramref name="Preferred"/>). Domains are counted within a
/// data centre: each data centre's scheduler counts its own nodes.
/// </param>
[GenerateSerializer, Alias("orion.SpreadSpec"), Immutable]
public sealed record SpreadSpec(
    [property: Id(0)] string Group,
    [property: Id(1)] int MaxPerDomain = 1,
    [property: Id(2)] bool Preferred = false,
    [property: Id(3)] string? TopologyKey = null)
{
    /// <summary>The largest <see cref="MaxPerDomain"/>.</summary>
    public const int MaxPerDomainLimit = 1024;
}
