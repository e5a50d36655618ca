using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// The rules a token entry keeps, whether a silo's settings hold it (<c>Orion:Access:Tokens</c>) or an admin issued it
/// through the pool (<see cref="IAccessTokenGrain"/>).
/// </summary>
public static class AccessTokenRules
{
    /// <summary>The roles a token may have.</summary>
    public static ImmutableArray<string> Roles { get; } = ["admin", "tenant", "node", "viewer"];

    /// <summary>The longest an issued token may be valid for.</summary>
    public static TimeSpan MaxValidFor { get; } = TimeSpan.FromDays(3650);

    /// <summary>The most tokens the pool keeps issued at once (its list is read by every silo).</summary>
    public const int MaxIssued = 1000;

    /// <summary>Each field of an entry that breaks its rule (fields Name, Role, Tenant, Node, Sha256); empty when it keeps them all.</summary>
    public static ImmutableArray<ValidationError> Check(string? name, string? role, string? tenant, string? node, string? sha256)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            errors.Add(new("Name", $"must be 1 to 100 characters, not blank, not '{name}'"));
        }

        var known = Roles.FirstOrDefault(r => string.Equals(r, role, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            errors.Add(new("Role", $"must be admin, tenant, node or viewer, not '{role}'"));
        }
        else if (known == "tenant" && !TenantName.IsValid(tenant))
        {
            errors.Add(new("Tenant", $"is needed for a token of role tenant, and {TenantName.Rule}, not '{tenant}'"));
        }
        else if (known != "tenant" && tenant is not null)
        {
            errors.Add(new("Tenant", $"is only for a token of role tenant, not {role}"));
        }

        if (node is not null && known != "node")
        {
            errors.Add(new("Node", $"is only for a token of role node, not {role}"));
        }
        else if (node is not null && !GrainKeys.IsNodeId(node))
        {
            errors.Add(new("Node", $"must be a node id, data centre/name, not '{node}'"));
        }

        if (sha256 is not { Length: 64 } || !sha256.All(char.IsAsciiHexDigit))
        {
            errors.Add(new("Sha256", $"must be the token's SHA-256, 64 hex digits (orion token new prints it), not '{sha256}'"));
        }

        return errors.ToImmutable();
    }

    /// <summary>
    /// Each field of a request to issue a token that breaks its rule, named as the request's (<c>token.Role</c>,
    /// <c>token.ValidFor</c>); empty when it keeps them all. Uniqueness is checked against the issued tokens by the pool.
    /// </summary>
    public static ImmutableArray<ValidationError> Check(TokenRequest request)
    {
        var errors = Check(request.Name, request.Role, request.Tenant, request.Node, request.Sha256).ToBuilder();
        if (request.ValidFor is { } validFor && (validFor <= TimeSpan.Zero || validFor > MaxValidFor))
        {
            errors.Add(new("ValidFor", $"must be more than 0 and at most {MaxValidFor.TotalDays:0} days, not {validFor}"));
        }

        return [.. errors.Select(e => e with { Field = $"token.{e.Field}" })];
    }
}
