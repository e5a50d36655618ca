using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>The tokens a pool takes, found by their SHA-256.</summary>
public sealed class AccessTokenTable
{
    private readonly Dictionary<string, AccessPrincipal> byHash;

    /// <param name="tokens">Valid entries (<see cref="AccessOptionsValidator"/>).</param>
    public AccessTokenTable(IEnumerable<AccessTokenOptions> tokens)
    {
        byHash = tokens.ToDictionary(
            t => t.Sha256.ToLowerInvariant(),
            t => new AccessPrincipal(t.Name, Enum.Parse<AccessRole>(t.Role, ignoreCase: true), t.Tenant, t.Node),
            StringComparer.Ordinal);
    }

    /// <summary>Who the token is; null for none or one the pool does not take.</summary>
    public AccessPrincipal? Resolve(string? token) =>
        string.IsNullOrEmpty(token) || token.Length > 512 ? null : byHash.GetValueOrDefault(AccessToken.Hash(token));
}
