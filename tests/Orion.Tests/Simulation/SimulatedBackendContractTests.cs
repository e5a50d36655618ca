using Microsoft.Extensions.Time.Testing;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Simulation;

public sealed class SimulatedBackendContractTests : GpuBackendContract
{
    private readonly FakeTimeProvider clock = new();

    protected override IGpuBackend CreateBackend() =>
        new SimulatedGpuBackend("dc1/contract", [GpuModelCatalog.Get("A100-80GB"), GpuModelCatalog.Get("A100-80GB")], clock, hostSwapMiB: 64 * 1024);

    protected override Task PassAsync(TimeSpan duration)
    {
        clock.Advance(duration);
        return Task.CompletedTask;
    }

    protected override WorkloadSpec ShortWork(TimeSpan duration) => WorkloadSpec.Batch(1, duration.TotalMilliseconds);

    protected override WorkloadSpec LongWork() => WorkloadSpec.Service(1, 1);

    protected override WorkloadSpec ForeignWork() => WorkloadSpec.Process("sleep 1");

    protected override (WorkloadSpec Work, string Says) Talkative() => (LongWork(), "started: a service at 1 requests/s of 1 GPU-ms on dc1/contract/0");
}
