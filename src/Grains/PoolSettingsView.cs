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
    private PoolSettings? lastGood;

    public PoolSettingsView(IGrainFactory grains, IOptions<PoolOptions> options, ILogger<PoolSettingsView> logger)
    {
        this.options = options;
        this.logger = logger;
        copy = new(() => grains.Grain<IPoolSettingsGrain>(GrainKeys.Pool).Get(), () => options.Value.SettingsMaxAge, _ => true, TimeProvider.System);
    }

    /// <summary>The settings in force, as this silo last heard them.</summary>
    public async Task<PoolSettings> Get()
    {
        try
        {
            return lastGood = await copy.Get();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The pool's settings could not be read: using {Source}", lastGood is null ? "this silo's configuration" : "the last copy");
            return lastGood ?? options.Value.Settings();
        }
    }
}
