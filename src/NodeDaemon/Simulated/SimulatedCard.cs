using Orion.Contracts;

namespace Orion.NodeDaemon.Simulated;

/// <summary>One simulated card: its model, its pages and the processes on it.</summary>
internal sealed class SimulatedCard(GpuDevice device, long pageSizeMiB)
{
    public GpuDevice Device { get; } = device;

    public long TotalPages { get; } = device.MemoryMiB / pageSizeMiB;

    public long ResidentPages { get; set; }

    public List<SimulatedProcess> Processes { get; } = [];
}
