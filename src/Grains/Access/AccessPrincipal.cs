namespace Orion.Grains.Access;

/// <summary>
/// Who a token is: its name in the settings or as issued, its role, the tenant or node it is bound to, and from when
/// it is no longer taken.
/// </summary>
public sealed record AccessPrincipal(string Name, AccessRole Role, string? Tenant = null, string? Node = null, DateTimeOffset? Expires = null)
{
    /// <summary>Whether the token is no longer taken at <paramref name="now"/>.</summary>
    public bool HasExpired(DateTimeOffset now) => Expires <= now;

    /// <summary>How a refusal names it: "token 'ci' (tenant search)".</summary>
    public override string ToString() => Role switch
    {
        AccessRole.Tenant => $"token '{Name}' (tenant {Tenant})",
        AccessRole.Node when Node is not null => $"token '{Name}' (node {Node})",
        _ => $"token '{Name}' ({Role.ToString().ToLowerInvariant()})",
    };
}
