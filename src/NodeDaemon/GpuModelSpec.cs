namespace Orion.NodeDaemon;

/// <summary>A GPU model's facts as the simulator uses them.</summary>
/// <param name="Name">Model name.</param>
/// <param name="MemoryMiB">Device memory.</param>
/// <param name="RelativeSpeed">Compute speed relative to the reference card (A100 = 1.0).</param>
/// <param name="HostLinkGBps">Host link bandwidth (GB/s) for page moves.</param>
/// <param name="SmCount">Streaming multiprocessors (informational; shares are percent of the card).</param>
public sealed record GpuModelSpec(string Name, long MemoryMiB, double RelativeSpeed, double HostLinkGBps, int SmCount);
