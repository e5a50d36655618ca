using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>
/// The rules the access settings keep, checked when the silo starts: a token entry that could never match, or a pool
/// that requires tokens without an admin one, stops it with the setting named.
/// </summary>
public sealed class AccessOptionsValidator : IValidateOptions<AccessOptions>
{
    /// <summary>The shortest cluster secret taken.</summary>
    public const int MinSecretLength = 32;

    public ValidateOptionsResult Validate(string? name, AccessOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var t = options.Tokens[i];
            var at = $"{AccessOptions.Section}:Tokens:{i}:";
            if (string.IsNullOrWhiteSpace(t.Name) || t.Name.Length > 100)
            {
                errors.Add($"{at}Name must be 1 to 100 characters, not blank, not '{t.Name}'");
            }
            else if (!names.Add(t.Name))
            {
                errors.Add($"{at}Name must be unique among the tokens, not a second '{t.Name}'");
            }

            if (!Enum.TryParse<AccessRole>(t.Role, ignoreCase: true, out var role) || int.TryParse(t.Role, out _))
            {
                errors.Add($"{at}Role must be admin, tenant, node or viewer, not '{t.Role}'");
            }
            else if (role == AccessRole.Tenant && !TenantName.IsValid(t.Tenant))
            {
                errors.Add($"{at}Tenant is needed for a token of role tenant, and {TenantName.Rule}, not '{t.Tenant}'");
            }
            else if (role != AccessRole.Tenant && t.Tenant is not null)
            {
                errors.Add($"{at}Tenant is only for a token of role tenant, not {t.Role}");
            }

            if (t.Node is not null && !string.Equals(t.Role, nameof(AccessRole.Node), StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{at}Node is only for a token of role node, not {t.Role}");
            }
            else if (t.Node is not null && !GrainKeys.IsNodeId(t.Node))
            {
                errors.Add($"{at}Node must be a node id, data centre/name, not '{t.Node}'");
            }

            if (t.Sha256.Length != 64 || !t.Sha256.All(char.IsAsciiHexDigit))
            {
                errors.Add($"{at}Sha256 must be the token's SHA-256, 64 hex digits (orion token new prints it), not '{t.Sha256}'");
            }
            else if (!hashes.Add(t.Sha256))
            {
                errors.Add($"{at}Sha256 must be unique among the tokens: '{t.Name}' has the same token as another");
            }
        }

        if (options.Required && !options.Tokens.Any(t => string.Equals(t.Role, nameof(AccessRole.Admin), StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"{AccessOptions.Section}:Required needs at least one token of role admin in {AccessOptions.Section}:Tokens, or no one could change the pool");
        }

        if (options.ClusterSecret is { } secret && secret.Length < MinSecretLength)
        {
            errors.Add($"{AccessOptions.Section}:ClusterSecret must be at least {MinSecretLength} characters, not {secret.Length}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
