using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Orion.Grains.Access;

/// <summary>
/// Each tenant's and viewer's token's call rate (<see cref="AccessOptions.CallsPerSecond"/>), one bucket per token on
/// this silo, shared by its grain calls and its web requests. Admins' and nodes' tokens are not limited (an unbound node
/// token speaks for a whole fleet).
/// </summary>
public sealed class CallRates(IOptions<AccessOptions> options)
{
    // Wall time: a rate, not the pool's clock.
    private readonly ConcurrentDictionary<string, TokenBucket> buckets = new(StringComparer.Ordinal);

    /// <summary>The rate <paramref name="principal"/> is over now (its call is not to be made); null when it may call.</summary>
    public double? Over(AccessPrincipal principal)
    {
        var rate = options.Value.CallsPerSecond;
        if (rate <= 0 || principal.Role is AccessRole.Admin or AccessRole.Node)
        {
            return null;
        }

        var burst = options.Value.CallBurst > 0 ? options.Value.CallBurst : Math.Max(1, (int)Math.Ceiling(2 * rate));
        var bucket = buckets.GetOrAdd($"{principal.Role}/{principal.Name}", _ => new TokenBucket(TimeProvider.System, rate, burst));
        return bucket.TryTake(out _) ? null : rate;
    }
}
