namespace Orion.Contracts;

/// <summary>A token of a silo's settings (<c>Orion:Access:Tokens</c>), as an admin lists it: never its hash.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Role">admin, tenant, node or viewer.</param>
/// <param name="Tenant">The tenant it is bound to (role tenant).</param>
/// <param name="Node">The node it is bound to (role node; null: any node).</param>
/// <param name="ExpiresAt">When it stops being taken; null: never.</param>
/// <param name="Silo">The silo whose settings hold it.</param>
[GenerateSerializer, Alias("orion.ConfiguredToken"), Immutable]
public sealed record ConfiguredToken(
    [property: Id(0)] string Name,
    [property: Id(1)] string Role,
    [property: Id(2)] string? Tenant,
    [property: Id(3)] string? Node,
    [property: Id(4)] DateTimeOffset? ExpiresAt,
    [property: Id(5)] string Silo);
