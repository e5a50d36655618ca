using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;

namespace Orion.Tests.Nvidia;

/// <summary>
/// The NVIDIA backend against the shared contract on this machine's own cards, read by NVML (the workloads are the
/// declared-card run's). Needs an NVIDIA GPU and driver, so the README's test command leaves it out (Category=gpu); run
/// it on a GPU machine with <c>dotnet test --filter Category=gpu</c>.
/// </summary>
[Trait("Category", "gpu")]
public sealed class NvidiaHardwareContractTests : NvidiaBackendContractTests
{
    protected override IGpuBackend CreateBackend() => NvidiaGpuBackend.Open("dc1/contract", hostSwapMiB: 64 * 1024);

    protected override bool Measures => true;
}
