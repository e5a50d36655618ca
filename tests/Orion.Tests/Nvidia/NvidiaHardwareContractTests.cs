using System.Globalization;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;
using Orion.Tests.Simulation;

namespace Orion.Tests.Nvidia;

/// <summary>
/// The NVIDIA backend against the shared contract on this machine's own cards, read by NVML. Needs an NVIDIA GPU and
/// driver, so the README's test command leaves it out (Category=gpu); run it on a GPU machine with
/// <c>dotnet test --filter Category=gpu</c>.
/// </summary>
[Trait("Category", "gpu")]
public sealed class NvidiaHardwareContractTests : GpuBackendContract
{
    protected override IGpuBackend CreateBackend() => NvidiaGpuBackend.Open("dc1/contract", hostSwapMiB: 64 * 1024);

    protected override Task PassAsync(TimeSpan duration) => Task.Delay(duration);

    protected override WorkloadSpec ShortWork(TimeSpan duration) =>
        WorkloadSpec.Process(string.Create(CultureInfo.InvariantCulture, $"sleep {duration.TotalSeconds:0.###}"));

    protected override WorkloadSpec LongWork() => WorkloadSpec.Process("sleep 600");
}
