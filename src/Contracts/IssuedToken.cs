namespace Orion.Contracts;

/// <summary>A token an admin issued through the pool, as the pool keeps it: its SHA-256, never the token.</summary>
/// <param name="Name">What logs and refusals call it; unique among the issued tokens.</param>
/// <param name="Role">admin, tenant, node or viewer (lower case).</param>
/// <param name="Tenant">For role tenant: the tenant whose work it may act on.</param>
/// <param name="Node">For role node, optionally: the one node (dc/name) it may speak for.</param>
/// <param name="Sha256">The token's SHA-256, lower case.</param>
/// <param name="IssuedAt">When it was issued (the pool's clock).</param>
/// <param name="IssuedBy">Who issued it, as the pool named the caller ("token 'ops' (admin)").</param>
/// <param name="ExpiresAt">From when it is no longer taken; null: until revoked.</param>
[GenerateSerializer, Alias("orion.IssuedToken"), Immutable]
public sealed record IssuedToken(
    [property: Id(0)] string Name,
    [property: Id(1)] string Role,
    [property: Id(2)] string? Tenant,
    [property: Id(3)] string? Node,
    [property: Id(4)] string Sha256,
    [property: Id(5)] DateTimeOffset IssuedAt,
    [property: Id(6)] string IssuedBy,
    [property: Id(7)] DateTimeOffset? ExpiresAt)
{
    /// <summary>Whether it is no longer taken at <paramref name="now"/>.</summary>
    public bool HasExpired(DateTimeOffset now) => ExpiresAt <= now;
}
