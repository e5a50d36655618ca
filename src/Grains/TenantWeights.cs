using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// This silo's copy of the tenants' fair-share weights, asked for again once older than
/// <see cref="PoolOptions.SettingsMaxAge"/>: a scheduler reads it in each round that shares between tenants. While the
/// directory cannot be reached the last copy, or else equal weights, stand in.
/// </summary>
public sealed class TenantWeights
{
    private readonly SiloCopy<ImmutableDictionary<string, double>> copy;
    private readonly ILogger<TenantWeights> logger;

    public TenantWeights(IGrainFactory grains, IOptions<PoolOptions> options, ILogger<TenantWeights> logger)
    {
        this.logger = logger;
        copy = new(() => grains.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).Weights(), () => options.Value.SettingsMaxAge, _ => true, TimeProvider.System);
    }

    /// <summary>The weights that are not 1, by tenant, as this silo last heard them.</summary>
    public Task<ImmutableDictionary<string, double>> Get() => copy.GetOrLast(
        () => ImmutableDictionary<string, double>.Empty,
        (ex, last) => logger.LogWarning(ex, "The tenants' weights could not be read: using {Source}", last ? "the last copy" : "equal weights"));
}
