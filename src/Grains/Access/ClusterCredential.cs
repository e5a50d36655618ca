using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orion.Grains.Access;

/// <summary>
/// What the silos' own callers (the API, the embedded daemons, the demo) send instead of a token: the cluster's shared
/// secret, or one this silo made when none is set (enough for one silo).
/// </summary>
public sealed class ClusterCredential
{
    /// <summary>The request context key it travels under.</summary>
    public const string RequestKey = "orion-silo";

    private readonly byte[] bytes;

    public ClusterCredential(IOptions<AccessOptions> options)
    {
        Secret = options.Value.ClusterSecret ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        bytes = Encoding.UTF8.GetBytes(Secret);
    }

    /// <summary>The secret, as the silo's own callers send it.</summary>
    public string Secret { get; }

    /// <summary>Whether <paramref name="sent"/> is the secret (compared in fixed time).</summary>
    public bool Matches(object? sent) =>
        sent is string text && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(text), bytes);
}
