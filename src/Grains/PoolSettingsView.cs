using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// This silo's copy of the pool's live settings, asked for again once older than
/// <see cref="PoolOptions.SettingsMaxAge"/>: a scheduler reads it every round and a node at every heartbeat, so a live
/// change reaches every silo within that age. While the settings grain cannot be reached the last copy, or else this
/// silo's configuration, stands in.
/// </summary>
public sealed class PoolSettingsView
{
    private readonly SiloCopy<PoolSettings> copy;
    private readonly IOptions<PoolOptions> options;
    private readonly ILogger<PoolSettingsView> logger;

    public PoolSettingsView(IGrainFactory grains, IOptions<PoolOptions> options, ILogger<PoolSettingsView> logger)
    {
        this.options = options;
        this.logger = logger;
        copy = new(() => grains.Grain<IPoolSettingsGrain>(GrainKeys.Pool).Get(), () => options.Value.SettingsMaxAge, _ => true, TimeProvider.System);
    }

    /// <summary>The settings in force, as this silo last heard them.</summary>
    public Task<PoolSettings> Get() => copy.GetOrLast(
        options.Value.Settings,
        (ex, last) => logger.LogWarning(ex, "The pool's settings could not be read: using {Source}", last ? "the last copy" : "this silo's configuration"));
}
