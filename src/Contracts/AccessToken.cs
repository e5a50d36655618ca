using System.Security.Cryptography;
using System.Text;

namespace Orion.Contracts;

/// <summary>
/// The bearer tokens a pool that requires access checks its callers by. A silo keeps only each token's SHA-256, so its
/// settings can be read without giving a token away.
/// </summary>
public static class AccessToken
{
    /// <summary>The request context key a client's token travels under with each grain call.</summary>
    public const string RequestKey = "orion-token";

    /// <summary>The request context key under which the silo passes on who a checked client's call is (the silo sets it, not the client).</summary>
    public const string CallerKey = "orion-caller";

    /// <summary>The request context key under which the silo passes on when a checked client's token expires (absent: never).</summary>
    public const string CallerExpiresKey = "orion-caller-expires";

    /// <summary>What every token Orion makes starts with, so a leaked one is recognised by secret scanners.</summary>
    public const string Prefix = "orion_";

    /// <summary>A new token: <see cref="Prefix"/> and 32 random bytes, base64url.</summary>
    public static string New() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The token's SHA-256 as 64 lower-case hex digits: what a silo's settings hold of it.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
