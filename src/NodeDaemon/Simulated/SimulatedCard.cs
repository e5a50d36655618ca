using Orion.Contracts;

namespace Orion.NodeDaemon.Simulated;

/// <summary>One simulated card: its model, its pages, its host link and the processes on it.</summary>
internal sealed class SimulatedCard(GpuDevice device, long pageSizeMiB)
{
    public GpuDevice Device { get; } = device;

    public long TotalPages { get; } = device.MemoryMiB / pageSizeMiB;

    /// <summary>Device pages in use: resident, or in transit either way (a move holds both ends until done).</summary>
    public long ResidentPages { get; set; }

    public List<SimulatedProcess> Processes { get; } = [];

    /// <summary>When the host link is next free: moves on one card queue behind each other.</summary>
    public DateTimeOffset LinkFreeAt { get; set; }

    /// <summary>Why the card is broken, or null while it works.</summary>
    public string? Fault { get; set; }

    /// <summary>Bytes per millisecond over the host link.</summary>
    public double LinkBytesPerMs => Device.HostLinkGBps * 1e9 / 1000;
}
