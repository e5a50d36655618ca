using System.Net;
using Orleans.Configuration;
using Orleans.Storage;
using StackExchange.Redis;

namespace Orion.Silo;

/// <summary>
/// How a silo finds its cluster and keeps state: with <c>Orion:Redis:ConnectionString</c> set, Redis clustering,
/// grain state and reminders (silos and daemons on many machines); without it, the embedded default
/// (localhost clustering, in-memory state).
/// </summary>
public static class OrionClustering
{
    public const string RedisKey = "Orion:Redis:ConnectionString";

    public static string? Redis(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration[RedisKey]) ? null : configuration[RedisKey];

    /// <summary>Overrides of Orleans' <see cref="ClusterMembershipOptions"/> (any of its properties by name).</summary>
    public const string MembershipSection = "Orion:Membership";

    public static ISiloBuilder UseOrionClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Configure<ClusterMembershipOptions>(o => ApplyMembershipTiming(o, configuration));
        var siloPort = configuration.GetValue("Orion:Silo:SiloPort", 11111);
        var gatewayPort = configuration.GetValue("Orion:Silo:GatewayPort", 30000);
        var clusterId = configuration["Orion:Silo:ClusterId"] ?? "orion";
        var serviceId = configuration["Orion:Silo:ServiceId"] ?? "orion";
        if (Redis(configuration) is not { } redis)
        {
            return silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: serviceId, clusterId: clusterId);
        }

        var advertised = IPAddress.Parse(configuration["Orion:Silo:AdvertisedAddress"] ?? "127.0.0.1");
        silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = serviceId;
        });
        silo.ConfigureEndpoints(advertised, siloPort, gatewayPort);
        return silo;
    }

    /// <summary>
    /// Faster failure detection than Orleans' defaults, so a killed silo's grains come back elsewhere in seconds: probes
    /// time out after 2 s (Orleans: 5 s; adaptive between 1 and 8 s) and three missed probes suspect a silo; the table is
    /// re-read every 10 s (60 s) and heartbeats are written every 10 s (30 s); votes expire after 60 s (120 s). Two votes
    /// still declare a silo dead (one where only two silos remain), and connection activity still vetoes a suspicion,
    /// so a silo that is merely slow (a loaded two-core machine) is not declared dead. <see cref="MembershipSection"/>
    /// overrides any of these.
    /// </summary>
    public static void ApplyMembershipTiming(ClusterMembershipOptions options, IConfiguration configuration)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(2);
        options.MinProbeTimeout = TimeSpan.FromSeconds(1);
        options.MaxProbeTimeout = TimeSpan.FromSeconds(8);
        options.NumMissedProbesLimit = 3;
        options.NumVotesForDeathDeclaration = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(10);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(60);
        configuration.GetSection(MembershipSection).Bind(options);
    }

    /// <summary>
    /// Task state and reminders: Redis when configured, else in memory. State is written in Orleans' own binary format
    /// (version tolerant by the contracts' <c>[Id]</c>s) rather than the storage default, Newtonsoft JSON: a task writes
    /// its state at every step of its life, and JSON with reference tracking cost about a third of the silo's CPU at
    /// thousands of submissions a second. A lone silo (<paramref name="loneSilo"/>: the embedded default, clustered with
    /// nothing) keeps both in its own memory (<see cref="SiloMemoryGrainStorage"/>, <see cref="SiloMemoryReminderTable"/>);
    /// Orleans' in-memory kinds, grains themselves, stay for in-process test clusters of several silos.
    /// </summary>
    public static ISiloBuilder AddOrionState(this ISiloBuilder silo, IConfiguration configuration, string storageName, bool loneSilo = false)
    {
        if (Redis(configuration) is null && loneSilo)
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>(storageName, (services, _) =>
                ActivatorUtilities.CreateInstance<SiloMemoryGrainStorage>(services, BinaryState(services)));
            silo.AddReminders();
            silo.Services.AddSingleton<IReminderTable, SiloMemoryReminderTable>();
            return silo;
        }

        if (Redis(configuration) is not { } redis)
        {
            silo.AddMemoryGrainStorage(storageName, o => o.Configure<IServiceProvider>((m, services) => m.GrainStorageSerializer = BinaryState(services)));
            silo.UseInMemoryReminderService();
            return silo;
        }

        silo.AddRedisGrainStorage(storageName, o => o.Configure<IServiceProvider>((r, services) =>
        {
            r.ConfigurationOptions = ConfigurationOptions.Parse(redis);
            r.GrainStorageSerializer = BinaryState(services);
        }));
        silo.UseRedisReminderService(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        return silo;
    }

    private static OrleansGrainStorageSerializer BinaryState(IServiceProvider services) =>
        new(services.GetRequiredService<Orleans.Serialization.Serializer>());
}
