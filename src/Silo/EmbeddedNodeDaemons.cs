using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains;
using Orion.NodeDaemon;
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
        foreach (var machine in options.Value.Machines())
        {
            var daemonOptions = new NodeDaemonOptions
            {
                NodeName = machine.Name,
                DataCenter = machine.DataCenter,
                CpuMilli = machine.CpuMilli,
                MemoryMiB = machine.MemoryMiB,
                HostSwapMiB = machine.HostSwapMiB,
                RegistrationInterval = options.Value.HeartbeatInterval,
            };
            var model = GpuModelCatalog.Get(machine.GpuModel);
            var backend = new SimulatedGpuBackend(daemonOptions.NodeId, Enumerable.Repeat(model, machine.GpuCount).ToList(), clock, machine.HostSwapMiB);
            var daemon = new GpuNodeDaemon(daemonOptions, backend, grains, loggers.CreateLogger<GpuNodeDaemon>(), clock);
            await daemon.StartAsync(cancellationToken);

            // Grains on this silo call it directly; a daemon stopped (as if its machine died) is reached, or not, like any other.
            inProcess.Add(daemon.Reference, daemon);
            daemon.Stopping += d => inProcess.Remove(d.Reference);
            daemons.Add(daemon);
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
