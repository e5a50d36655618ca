using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;
using Orion.NodeDaemon.Simulated;
using Orleans.Runtime;

namespace Orion.Silo;

/// <summary>Runs the embedded pool's daemons inside the silo once it is active, and stops them before it goes.</summary>
public sealed class EmbeddedNodeDaemons(
    IOptions<EmbeddedPoolOptions> options,
    IGrainFactory grains,
    InProcessDaemons inProcess,
    IServiceProvider services,
    ILoggerFactory loggers) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly List<GpuNodeDaemon> daemons = [];

    public IReadOnlyList<GpuNodeDaemon> Daemons => daemons;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(EmbeddedNodeDaemons), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var clock = services.GetRequiredKeyedService<TimeProvider>(OrionClock.Key);
        foreach (var (machine, backend) in Backends(options.Value, clock))
        {
            var daemonOptions = new NodeDaemonOptions
            {
                NodeName = machine.Name,
                DataCenter = machine.DataCenter,
                CpuMilli = machine.CpuMilli,
                MemoryMiB = machine.MemoryMiB,
                HostSwapMiB = machine.HostSwapMiB,
                Labels = machine.Labels.ToImmutableDictionary(StringComparer.Ordinal),
                Taints = machine.Taints.ToImmutableDictionary(StringComparer.Ordinal),
                AdvertiseAddress = machine.Address,
                RegistrationInterval = options.Value.HeartbeatInterval,
                ReportAttemptTimeout = options.Value.ReportAttemptTimeout,
                DemandBusyPercent = options.Value.DemandBusyPercent,
                DemandHoldTime = options.Value.DemandHoldTime,
            };
            if (backend is NvidiaGpuBackend { TasksEndWithDaemon: false })
            {
                loggers.CreateLogger<EmbeddedNodeDaemons>().LogWarning("setpriv (util-linux) is not installed: task processes of {NodeId} will outlive this silo if it crashes", daemonOptions.NodeId);
            }

            if (backend is NvidiaGpuBackend nvidia && await LeftoverTaskProcesses.EndAsync(daemonOptions.NodeId, nvidia.StopGrace, cancellationToken) is > 0 and var leftovers)
            {
                // A silo that died left its task processes running, and the pool placed those tasks again.
                loggers.CreateLogger<EmbeddedNodeDaemons>().LogWarning("Ended {Groups} task process groups a previous daemon of {NodeId} left running", leftovers, daemonOptions.NodeId);
            }

            var daemon = new GpuNodeDaemon(daemonOptions, backend, grains, loggers.CreateLogger<GpuNodeDaemon>(), clock);
            await daemon.StartAsync(cancellationToken);

            // Grains on this silo call it directly; a daemon stopped (as if its machine died) is reached, or not, like any other.
            inProcess.Add(daemon.Reference, daemon);
            daemon.Stopping += d => inProcess.Remove(d.Reference);
            daemons.Add(daemon);
        }
    }

    /// <summary>The embedded machines and their backends: simulated ones as configured, or this machine's NVIDIA cards.</summary>
    private static IEnumerable<(EmbeddedNodeOptions Machine, IGpuBackend Backend)> Backends(EmbeddedPoolOptions options, TimeProvider clock)
    {
        switch (options.Backend)
        {
            case GpuBackends.Simulated:
                foreach (var machine in options.Machines())
                {
                    var nodeId = GrainKeys.Node(machine.DataCenter, machine.Name);
                    var model = GpuModelCatalog.Get(machine.GpuModel);
                    var simulated = new SimulatedGpuBackend(nodeId, Enumerable.Repeat(model, machine.GpuCount).ToList(), clock, machine.HostSwapMiB, machine.LinkDomainSize);
                    foreach (var (index, reason) in machine.Faults)
                    {
                        simulated.Fail(index, reason);
                    }

                    yield return (machine, simulated);
                }

                break;
            case GpuBackends.Nvidia:
                // Real processes run on real time, whatever clock the grains use.
                var host = new EmbeddedNodeOptions
                {
                    Name = options.NodeName ?? Environment.MachineName.ToLowerInvariant(),
                    DataCenter = options.DataCenter,
                    CpuMilli = options.CpuMilli,
                    MemoryMiB = options.MemoryMiB,
                    HostSwapMiB = options.HostSwapMiB,
                };
                if (options.NvmlLibrary is { Length: > 0 } library)
                {
                    NvidiaLibraries.UseNvml(library);
                }

                yield return (host, NvidiaGpuBackend.Open(GrainKeys.Node(host.DataCenter, host.Name), host.HostSwapMiB, options.TaskLogDirectory));
                break;
            default:
                throw new ArgumentException($"{EmbeddedPoolOptions.Section}:Backend must be simulated or nvidia, not '{options.Backend}'");
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var d in daemons)
        {
            await d.DisposeAsync();
        }

        daemons.Clear();
    }
}
