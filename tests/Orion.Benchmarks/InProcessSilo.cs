using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orion.Client;
using Orion.Contracts;
using Orion.Grains.Scheduling;
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

    /// <summary>Settings for <paramref name="nodes"/> embedded simulated nodes of <paramref name="gpusPerNode"/> A100s in dc1, with the product's default policy.</summary>
    public static Dictionary<string, string?> Nodes(int nodes, int gpusPerNode)
    {
        var settings = new Dictionary<string, string?> { ["Orion:Pool:Policy"] = PlacementPolicies.Default };
        for (var i = 0; i < nodes; i++)
        {
            var p = $"Orion:Embedded:NodeList:{i}:";
            settings[p + "Name"] = $"n{i:000}";
            settings[p + "DataCenter"] = "dc1";
            settings[p + "GpuModel"] = "A100-80GB";
            settings[p + "GpuCount"] = gpusPerNode.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>
    /// Starts a silo with <paramref name="nodes"/> embedded simulated nodes (<see cref="Nodes"/>), waits until all have
    /// registered, runs <paramref name="run"/> with an SDK client on it, and stops the silo. <paramref name="settings"/> adds
    /// to the configuration (<c>Orion:Pool:...</c>).
    /// </summary>
    public static async Task<T> WithPoolAsync<T>(int nodes, int gpusPerNode, string clusterId, Func<OrionClient, Task<T>> run, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = Nodes(nodes, gpusPerNode);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        using var host = Build(configuration, clusterId);
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await using var client = new OrionClient(grains);
            var pool = grains.GetGrain<IPoolGrain>(GrainKeys.Pool);
            await Until(async () => (await pool.GetSchedulerSnapshot()).Nodes == nodes);
            return await run(client);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws when the pool has not got there in two minutes.</summary>
    public static async Task Until(Func<Task<bool>> condition)
    {
        var limit = Stopwatch.StartNew();
        while (!await condition())
        {
            if (limit.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("the pool did not settle within two minutes");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>
    /// The tasks once none is being placed and the count of those <paramref name="counted"/> takes held still for
    /// <paramref name="quiet"/>, and when on <paramref name="clock"/> that count last changed.
    /// </summary>
    public static async Task<(IReadOnlyList<VGpuTaskStatus> Tasks, double SettledMs)> Settled(
        OrionClient client, Stopwatch clock, Func<VGpuTaskStatus, bool> counted, TimeSpan quiet)
    {
        var (last, changedAt) = (-1, 0.0);
        while (true)
        {
            var tasks = await client.ListAsync(new TaskQuery(Limit: int.MaxValue));
            var running = tasks.Count(counted);
            if (running != last || tasks.Any(t => t.State == TaskState.Placing))
            {
                (last, changedAt) = (running, clock.Elapsed.TotalMilliseconds);
            }
            else if (clock.Elapsed.TotalMilliseconds - changedAt > quiet.TotalMilliseconds)
            {
                return (tasks, changedAt);
            }

            await Task.Delay(5);
        }
    }

    /// <summary>A TCP port free on the loopback interface now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
