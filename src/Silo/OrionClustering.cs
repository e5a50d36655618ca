using System.Net;
using Orleans.Configuration;
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

    public static ISiloBuilder UseOrionClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
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

    /// <summary>Task state and reminders: Redis when configured, else in memory.</summary>
    public static ISiloBuilder AddOrionState(this ISiloBuilder silo, IConfiguration configuration, string storageName)
    {
        if (Redis(configuration) is not { } redis)
        {
            silo.AddMemoryGrainStorage(storageName);
            silo.UseInMemoryReminderService();
            return silo;
        }

        silo.AddRedisGrainStorage(storageName, o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        silo.UseRedisReminderService(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        return silo;
    }
}
