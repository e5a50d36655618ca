namespace Orion.Grains.Access;

/// <summary>One token the pool takes (<c>Orion:Access:Tokens:N</c>).</summary>
public sealed class AccessTokenOptions
{
    /// <summary>What logs and refusals call it ("ci", "search-team", "node-3").</summary>
    public string Name { get; set; } = "";

    /// <summary>admin, tenant, node or viewer.</summary>
    public string Role { get; set; } = "";

    /// <summary>For role tenant: the tenant whose work it may act on.</summary>
    public string? Tenant { get; set; }

    /// <summary>For role node, optionally: the one node (dc/name) it may speak for; any node when unset.</summary>
    public string? Node { get; set; }

    /// <summary>The token's SHA-256, 64 hex digits (the silo never holds the token itself).</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>From when it is no longer taken (an ISO 8601 time, "2027-03-31T00:00:00Z"); taken until removed when unset.</summary>
    public DateTimeOffset? Expires { get; set; }
}
