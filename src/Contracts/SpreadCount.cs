namespace Orion.Contracts;

/// <summary>How many tasks of one tenant's spread group a node holds (<see cref="SpreadSpec"/>).</summary>
/// <param name="Tenant">The tasks' tenant.</param>
/// <param name="Group">The group.</param>
/// <param name="Count">Tasks of the group holding anything on the node.</param>
[GenerateSerializer, Alias("orion.SpreadCount"), Immutable]
public sealed record SpreadCount(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Group,
    [property: Id(2)] int Count);
