using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>The tokens a pool takes, found by their SHA-256.</summary>
public sealed class AccessTokenTable
{
    private readonly Dictionary<string, AccessPrincipal> byHash;

    /// <param name="tokens">Valid entries (<see cref="AccessOptionsValidator"/>).</param>
    public AccessTokenTable(IEnumerable<AccessTokenOptions> tokens)
        : this(tokens.Select(t => (t.Sha256, new AccessPrincipal(t.Name, Enum.Parse<AccessRole>(t.Role, ignoreCase: true), t.Tenant, t.Node, t.Expires))))
    {
    }

    /// <param name="issued">Tokens issued through the pool (valid: <see cref="TokenIssuance"/> kept its rules).</param>
    public AccessTokenTable(IssuedTokenList issued)
        : this(issued.Tokens.Select(t => (t.Sha256, new AccessPrincipal(t.Name, Enum.Parse<AccessRole>(t.Role, ignoreCase: true), t.Tenant, t.Node, t.ExpiresAt))))
    {
        Version = issued.Version;
    }

    private AccessTokenTable(IEnumerable<(string Sha256, AccessPrincipal Principal)> tokens)
    {
        // The first of a hash wins: a token in the settings before one issued with the same hash (which only its maker could do).
        byHash = new(StringComparer.Ordinal);
        foreach (var (sha256, principal) in tokens)
        {
            byHash.TryAdd(sha256.ToLowerInvariant(), principal);
        }
    }

    /// <summary>The issued list's version it was made from; 0 for settings.</summary>
    public long Version { get; }

    /// <summary>Every token of the table, as its principal.</summary>
    public IEnumerable<AccessPrincipal> Principals => byHash.Values;

    /// <summary>Who the token is (expired or not: <see cref="AccessRule"/> refuses an expired one by name); null for none or one the pool does not take.</summary>
    public AccessPrincipal? Resolve(string? token) => HashOf(token) is { } hash ? ByHash(hash) : null;

    /// <summary>Who the token of that hash (<see cref="HashOf"/>) is; null for one the pool does not take.</summary>
    public AccessPrincipal? ByHash(string sha256) => byHash.GetValueOrDefault(sha256);

    /// <summary>The token's SHA-256 as the table finds it; null for none, or one too long to be a token.</summary>
    public static string? HashOf(string? token) => string.IsNullOrEmpty(token) || token.Length > 512 ? null : AccessToken.Hash(token);
}
