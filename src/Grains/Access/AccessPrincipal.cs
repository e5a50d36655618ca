namespace Orion.Grains.Access;

/// <summary>Who a token is: its name in the settings, its role, and the tenant or node it is bound to.</summary>
public sealed record AccessPrincipal(string Name, AccessRole Role, string? Tenant = null, string? Node = null)
{
    /// <summary>How a refusal names it: "token 'ci' (tenant search)".</summary>
    public override string ToString() => Role switch
    {
        AccessRole.Tenant => $"token '{Name}' (tenant {Tenant})",
        AccessRole.Node when Node is not null => $"token '{Name}' (node {Node})",
        _ => $"token '{Name}' ({Role.ToString().ToLowerInvariant()})",
    };
}
