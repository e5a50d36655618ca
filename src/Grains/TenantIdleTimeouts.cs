using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// This silo's copy of the idle timeouts tenants' quotas set (<see cref="TenantQuota.IdleTimeout"/>), asked for again once
/// older than <see cref="PoolOptions.SettingsMaxAge"/>: a task reads it as its run starts. While the directory cannot be
/// reached the last copy, or else none, stands in.
/// </summary>
public sealed class TenantIdleTimeouts
{
    private readonly SiloCopy<ImmutableDictionary<string, TimeSpan>> copy;
    private readonly PoolSettingsView settings;
    private readonly ILogger<TenantIdleTimeouts> logger;

    public TenantIdleTimeouts(IGrainFactory grains, IOptions<PoolOptions> options, PoolSettingsView settings, ILogger<TenantIdleTimeouts> logger)
    {
        (this.settings, this.logger) = (settings, logger);
        copy = new(() => grains.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).IdleTimeouts(), () => options.Value.SettingsMaxAge, _ => true, TimeProvider.System);
    }

    /// <summary>
    /// How long a run of <paramref name="spec"/> may leave its cards idle: the shorter of its own idle timeout and its
    /// tenant's (its quota's, else the pool's default quota's); null for none, and always its own for a scheduled task or a
    /// deployment's replica (their windows and their deployment end them).
    /// </summary>
    public async Task<TimeSpan?> Of(TaskSpec spec)
    {
        if (spec.Schedule is not null || spec.Labels?.ContainsKey(DeploymentRules.DeploymentLabel) == true)
        {
            return spec.IdleTimeout;
        }

        var caps = await copy.GetOrLast(
            () => ImmutableDictionary<string, TimeSpan>.Empty,
            (ex, last) => logger.LogWarning(ex, "The tenants' idle timeouts could not be read: using {Source}", last ? "the last copy" : "none"));
        var cap = caps.TryGetValue(spec.Tenant, out var own) ? own : (await settings.Get()).DefaultQuota?.IdleTimeout;
        return (spec.IdleTimeout, cap) switch
        {
            ({ } mine, { } theirs) => mine < theirs ? mine : theirs,
            (var mine, var theirs) => mine ?? theirs,
        };
    }
}
