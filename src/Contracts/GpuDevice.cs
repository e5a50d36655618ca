namespace Orion.Contracts;

/// <summary>A physical card as its daemon discovered it.</summary>
/// <param name="GpuId">Cluster-wide id, <c>dc/node/index</c>.</param>
/// <param name="Index">Index on the node.</param>
/// <param name="Model">Model name, e.g. A100-80GB.</param>
/// <param name="MemoryMiB">Device memory in MiB.</param>
/// <param name="RelativeSpeed">Compute speed relative to the reference card (1.0).</param>
/// <param name="HostLinkGBps">Host link bandwidth in GB/s (PCIe or NVLink-C2C).</param>
/// <param name="Uuid">The device's UUID where the hardware has one.</param>
/// <param name="LinkDomain">
/// Its group on the node: cards with the same number talk over fast links (NVLink, or one PCIe switch), so a task on
/// several cards runs best within one group. 0 for every card of a node whose cards are all alike.
/// </param>
[GenerateSerializer, Alias("orion.GpuDevice"), Immutable]
public sealed record GpuDevice(
    [property: Id(0)] string GpuId,
    [property: Id(1)] int Index,
    [property: Id(2)] string Model,
    [property: Id(3)] long MemoryMiB,
    [property: Id(4)] double RelativeSpeed,
    [property: Id(5)] double HostLinkGBps,
    [property: Id(6)] string Uuid,
    [property: Id(7)] int LinkDomain = 0);
