using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains;
using Orion.Grains.Access;
using Orion.Grains.Placement;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime;

namespace Orion.Silo;

/// <summary>Adds Orion's grains, storage and embedded daemons to a silo.</summary>
public static class OrionSiloBuilderExtensions
{
    /// <param name="silo">The silo.</param>
    /// <param name="configuration">Orion's settings.</param>
    /// <param name="loneSilo">Whether the silo is clustered with no other (see <see cref="OrionClustering.AddOrionState"/>).</param>
    public static ISiloBuilder AddOrion(this ISiloBuilder silo, IConfiguration configuration, bool loneSilo = false)
    {
        silo.AddOrionState(configuration, PoolOptions.StorageName, loneSilo);

        // Silos carry their data centre; a node's and its cards' grains live on their data centre's silos.
        var dataCenter = configuration["Orion:Silo:DataCenter"] ?? "dc1";
        if (!DataCenterName.IsValid(dataCenter))
        {
            throw new OptionsValidationException("Orion:Silo", typeof(string), [$"Orion:Silo:DataCenter {DataCenterName.Rule}, not '{dataCenter}'"]);
        }

        silo.UseSiloMetadata(new Dictionary<string, string> { [DataCenterPlacementFilterDirector.MetadataKey] = dataCenter });
        silo.Services.AddPlacementFilter<DataCenterPlacementFilterStrategy, DataCenterPlacementFilterDirector>(ServiceLifetime.Singleton);
        silo.Services.AddSingleton<DataCenterResidence>();
        // Settings are checked as the silo starts (each error names its setting), not when a grain first reads them.
        // Read once, not bound to reload: a settings file edited later would be checked again on its watcher's thread,
        // and a broken edit throw there. Access tokens are read again by AccessTokens, which keeps the last good ones.
        silo.Services.AddOptions<PoolOptions>().Configure(o => configuration.GetSection(PoolOptions.Section).Bind(o)).ValidateOnStart();
        silo.Services.PostConfigure<PoolOptions>(o => o.QueueRecovery |= OrionClustering.Redis(configuration) is not null);
        silo.Services.AddSingleton<IValidateOptions<PoolOptions>, PoolOptionsValidator>();
        silo.Services.AddOptions<EmbeddedPoolOptions>().Configure(o => configuration.GetSection(EmbeddedPoolOptions.Section).Bind(o)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<EmbeddedPoolOptions>, EmbeddedPoolOptionsValidator>();

        // Ended tasks' statuses POSTed to their notify URLs, only to the hosts allowed.
        silo.Services.AddOptions<Orion.Grains.Notifications.NotifyOptions>().Configure(o => configuration.GetSection(Orion.Grains.Notifications.NotifyOptions.Section).Bind(o)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<Orion.Grains.Notifications.NotifyOptions>, Orion.Grains.Notifications.NotifyOptionsValidator>();
        silo.Services.AddSingleton<Orion.Grains.Notifications.HookSender>();
        silo.Services.AddSingleton<Orion.Grains.Notifications.TaskNotifier>();
        silo.Services.AddSingleton<Orion.Grains.Notifications.PoolEventHook>();

        // Tokens: checked on clients' calls when the pool requires them; the silo's own callers carry the cluster's secret.
        silo.Services.AddOptions<AccessOptions>().Configure(o => configuration.GetSection(AccessOptions.Section).Bind(o)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<AccessOptions>, AccessOptionsValidator>();
        silo.Services.AddSingleton<ClusterCredential>();
        silo.Services.AddSingleton<CallRates>();
        silo.Services.AddSingleton(sp => new AccessTokens(
            configuration, sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<IOptions<PoolOptions>>(), sp.GetRequiredService<ILogger<AccessTokens>>()));
        if (configuration.GetValue<bool>($"{AccessOptions.Section}:{nameof(AccessOptions.Required)}"))
        {
            // Silos of a Redis cluster call each other for their API and daemons: a secret of one silo's making would fail there.
            if (OrionClustering.Redis(configuration) is not null && string.IsNullOrEmpty(configuration[$"{AccessOptions.Section}:{nameof(AccessOptions.ClusterSecret)}"]))
            {
                throw new OptionsValidationException(AccessOptions.Section, typeof(AccessOptions),
                    [$"{AccessOptions.Section}:ClusterSecret must be set, the same on every silo, when the pool requires tokens and its silos cluster through Redis"]);
            }

            silo.AddIncomingGrainCallFilter<AccessFilter>();
            silo.AddOutgoingGrainCallFilter<ClusterCredentialFilter>();
        }

        // Orion's spans (submit, placement, start, preemption) follow grain calls into one trace.
        silo.AddActivityPropagation();
        silo.Services.TryAddKeyedSingleton(OrionClock.Key, TimeProvider.System);
        silo.Services.AddSingleton<InProcessDaemons>();
        silo.Services.AddSingleton<SiloShutdown>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloShutdown>());
        silo.Services.AddSingleton<DataCenterSummaries>();
        silo.Services.AddSingleton<PoolSettingsView>();
        silo.Services.AddSingleton<TenantWeights>();
        silo.Services.AddSingleton<TenantHistory>();
        silo.Services.AddSingleton<TenantIdleTimeouts>();
        silo.Services.AddSingleton<EmbeddedNodeDaemons>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<EmbeddedNodeDaemons>());
        return silo;
    }
}
