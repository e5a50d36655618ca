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
            foreach (var error in AccessTokenRules.Check(t.Name, t.Role, t.Tenant, t.Node, t.Sha256))
            {
                errors.Add($"{at}{error}");
            }

            if (!string.IsNullOrWhiteSpace(t.Name) && !names.Add(t.Name))
            {
                errors.Add($"{at}Name must be unique among the tokens, not a second '{t.Name}'");
            }

            if (t.Sha256.Length == 64 && !hashes.Add(t.Sha256))
            {
                errors.Add($"{at}Sha256 must be unique among the tokens: '{t.Name}' has the same token as another");
            }
        }

        if (options.Required && !options.Tokens.Any(t => string.Equals(t.Role, nameof(AccessRole.Admin), StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"{AccessOptions.Section}:Required needs at least one token of role admin in {AccessOptions.Section}:Tokens, or no one could change the pool");
        }

        if (!double.IsFinite(options.CallsPerSecond) || options.CallsPerSecond is < 0 or > 1_000_000)
        {
            errors.Add($"{AccessOptions.Section}:CallsPerSecond must be 0 (no limit) to 1000000, not {options.CallsPerSecond}");
        }

        if (options.CallBurst is < 0 or > 1_000_000)
        {
            errors.Add($"{AccessOptions.Section}:CallBurst must be 0 (twice the rate) to 1000000, not {options.CallBurst}");
        }

        if (options.IssuedTokensMaxStale < TimeSpan.Zero)
        {
            errors.Add($"{AccessOptions.Section}:IssuedTokensMaxStale must be 0 (no limit) or more, not {options.IssuedTokensMaxStale}");
        }

        if (options.ClusterSecret is { } secret && secret.Length < MinSecretLength)
        {
            errors.Add($"{AccessOptions.Section}:ClusterSecret must be at least {MinSecretLength} characters, not {secret.Length}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
