using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orion.Silo;

namespace Orion.Benchmarks;

/// <summary>The product's silo in the benchmark's process: localhost clustering on free ports, Orion as configured, errors logged.</summary>
public static class InProcessSilo
{
    /// <summary>Builds (not starts) a silo host from <paramref name="settings"/>; <paramref name="configure"/> adds to the silo.</summary>
    public static IHost Build(IReadOnlyDictionary<string, string?> settings, string clusterId, Action<ISiloBuilder>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: clusterId, clusterId: clusterId);
            silo.AddOrion(configuration);
            configure?.Invoke(silo);
        });
        return builder.Build();
    }

    /// <summary>A TCP port free on the loopback interface now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
