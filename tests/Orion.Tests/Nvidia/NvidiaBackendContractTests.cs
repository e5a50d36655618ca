using System.Globalization;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;
using Orion.Tests.Simulation;

namespace Orion.Tests.Nvidia;

/// <summary>
/// The NVIDIA backend against the shared contract with its cards declared (NVML reads them on a GPU machine: see
/// <see cref="NvidiaHardwareContractTests"/>): tasks are real process groups, on real time.
/// </summary>
public class NvidiaBackendContractTests : GpuBackendContract
{
    /// <summary>One declared card, as NVML would describe an A100 on node dc1/contract.</summary>
    public static GpuDevice[] Cards { get; } =
    [
        new("dc1/contract/0", 0, "A100-SXM4-80GB", 81920, 1.0, 31.5, "GPU-6f1b3c2a-0000-4000-8000-000000000000"),
        new("dc1/contract/1", 1, "A100-SXM4-80GB", 81920, 1.0, 31.5, "GPU-6f1b3c2a-0000-4000-8000-000000000001"),
    ];

    /// <summary>A pipe directory no MPS daemon answers at, so a machine-wide MPS control daemon does not change what the tests see.</summary>
    public static string NoMps() => Path.Combine(Path.GetTempPath(), $"orion-no-mps-{Guid.NewGuid():N}");

    protected override IGpuBackend CreateBackend() => new NvidiaGpuBackend(Cards, hostSwapMiB: 64 * 1024)
    {
        StopGrace = TimeSpan.FromSeconds(2), MpsPipeDirectory = NoMps(), TaskLogDirectory = Path.Combine(Path.GetTempPath(), $"orion-contract-logs-{Guid.NewGuid():N}"),
    };

    protected override Task PassAsync(TimeSpan duration) => Task.Delay(duration);

    protected override WorkloadSpec ShortWork(TimeSpan duration) =>
        WorkloadSpec.Process(string.Create(CultureInfo.InvariantCulture, $"sleep {duration.TotalSeconds:0.###}"));

    protected override WorkloadSpec LongWork() => WorkloadSpec.Process("sleep 600");

    protected override WorkloadSpec ForeignWork() => WorkloadSpec.Batch(1, 10);

    protected override (WorkloadSpec Work, string Says) Talkative() => (WorkloadSpec.Process("echo 'hello from the task'; exec sleep 600"), "hello from the task\n");

    /// <summary>Declared cards are not NVML's: measuring them is refused.</summary>
    protected override bool Measures => false;
}
