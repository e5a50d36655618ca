using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orion.Client;
using Orion.Contracts;
using Orion.Silo;

namespace Orion.Benchmarks.Preemption;

/// <summary>
/// <c>preemption</c>: a silo with the embedded simulated daemon (one card, an offline batch running on it)
/// in this process, and an online lease in a separate client process that times idle→busy transitions.
/// </summary>
public static class PreemptionBenchmark
{
    public const string ClusterId = "orion-bench";

    public static async Task<int> RunAsync(int transitions, int warmup, string? jsonPath, bool daemonProcess = false)
    {
        var (siloPort, gatewayPort) = (InProcessSilo.FreePort(), InProcessSilo.FreePort());
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orion:Pool:ComputeOversubscription"] = "2.0",
            ["Orion:Embedded:Enabled"] = daemonProcess ? "false" : "true",
            ["Orion:Embedded:NodeList:0:Name"] = "bench",
            ["Orion:Embedded:NodeList:0:GpuCount"] = "1",
            ["Orion:Embedded:NodeList:0:GpuModel"] = "A100-80GB",
        }).Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: ClusterId, clusterId: ClusterId);
            silo.AddOrion(config);
        });
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await using var orion = new OrionClient(grains);

        // The same card and node, served by the daemon executable over the gateway, as on a real GPU machine.
        using var daemon = daemonProcess ? StartDaemon(gatewayPort) : null;
        await WaitFor(async () => (await grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot()).Nodes == 1);

        var batch = await orion.SubmitAsync(new TaskSpec("bench-offline", "bench", new TaskPriority(PriorityClass.Offline),
            ResourceRequest.Slice(100, 16_384, 1000, 1024), PlacementConstraints.None, WorkloadSpec.Batch(1, 1e12)));
        await orion.WaitForStateAsync(batch.TaskId, [TaskState.Running]);

        var reportPath = Path.Combine(Path.GetTempPath(), $"orion-preemption-{Guid.NewGuid():N}.json");
        var child = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var a in new[] { typeof(PreemptionBenchmark).Assembly.Location, "preemption-client", gatewayPort.ToString(), transitions.ToString(), warmup.ToString(), reportPath })
        {
            child.ArgumentList.Add(a);
        }

        using (var process = Process.Start(child)!)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await process.WaitForExitAsync(patience.Token);
            if (process.ExitCode != 0)
            {
                Console.Error.WriteLine($"preemption client failed with exit code {process.ExitCode}");
                return 1;
            }
        }

        var report = JsonSerializer.Deserialize<PreemptionClientReport>(await File.ReadAllTextAsync(reportPath))!;
        File.Delete(reportPath);

        // Every measured go-ahead must have been a real pause of the offline batch.
        long pauses = 0;
        await WaitFor(async () => (pauses = (await orion.GetAsync(batch.TaskId))!.SuspendCount) >= warmup + transitions);

        var t = LatencySummary.Of(report.TransitionsUs);
        var f = LatencySummary.Of(report.FloorUs);
        var result = new PreemptionResult(
            Math.Round(t.P50Us, 1), Math.Round(t.P99Us, 1), Math.Round(t.MaxUs, 1), Math.Round(t.MeanUs, 1),
            Math.Round(f.P50Us, 1), Math.Round(f.P99Us, 1), Math.Round(f.MaxUs, 1),
            transitions, warmup, pauses, daemonProcess ? "process" : "in-process", $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        Console.WriteLine(json);
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, json);
        }

        daemon?.Kill(entireProcessTree: true);
        await host.StopAsync();
        return 0;
    }

    private static Process StartDaemon(int gatewayPort)
    {
        // The daemon's own build (beside this one: src/NodeDaemon/bin/<configuration>/<tfm>), which carries its own dependencies.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Orion.sln")))
        {
            root = root.Parent;
        }

        var build = new DirectoryInfo(AppContext.BaseDirectory);
        var dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("run from the repository's build output"),
            "src", "NodeDaemon", "bin", build.Parent!.Name, build.Name, "Orion.NodeDaemon.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[]
        {
            dll, "--gateway", $"127.0.0.1:{gatewayPort}",
            "--cluster-id", ClusterId, "--service-id", ClusterId, "--node", "bench", "--gpus", "1xA100-80GB",
        })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task WaitFor(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the pool did not reach the expected state");
            }

            await Task.Delay(20);
        }
    }
}
