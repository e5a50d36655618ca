namespace Orion.Contracts;

/// <summary>An admin's request to issue a token through the pool: the client makes the token and sends only its SHA-256.</summary>
/// <param name="Name">What logs, refusals and <c>orion token revoke</c> call it; unique among the issued tokens.</param>
/// <param name="Role">admin, tenant, node or viewer.</param>
/// <param name="Tenant">For role tenant: the tenant whose work it may act on.</param>
/// <param name="Node">For role node, optionally: the one node (dc/name) it may speak for.</param>
/// <param name="Sha256">The token's SHA-256 (<see cref="AccessToken.Hash"/>).</param>
/// <param name="ValidFor">How long from its issue it is taken; null: until revoked.</param>
[GenerateSerializer, Alias("orion.TokenRequest"), Immutable]
public sealed record TokenRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] string Role,
    [property: Id(2)] string? Tenant,
    [property: Id(3)] string? Node,
    [property: Id(4)] string Sha256,
    [property: Id(5)] TimeSpan? ValidFor = null);
