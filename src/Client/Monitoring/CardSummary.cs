using System.Collections.Immutable;

namespace Orion.Client.Monitoring;

/// <summary>One card's capacity and use.</summary>
/// <param name="GpuId">The card (<c>dc/node/index</c>).</param>
/// <param name="NodeId">Its node.</param>
/// <param name="DataCenter">Its data centre.</param>
/// <param name="Index">Its index on the node.</param>
/// <param name="Model">Its model.</param>
/// <param name="ComputeCapacityMilli">Allocatable compute (1000 × oversubscription).</param>
/// <param name="ComputeAllocatedMilli">Compute held by slices.</param>
/// <param name="ComputeInUseMilli">Compute of slices whose task runs and is not paused.</param>
/// <param name="MemoryMiB">The card's device memory.</param>
/// <param name="MemoryAllocatedMiB">GPU memory held by slices.</param>
/// <param name="ResidentMiB">Slices' memory on the device now.</param>
/// <param name="HostMiB">Slices' memory moved to host RAM now.</param>
/// <param name="Slices">Who holds it.</param>
/// <param name="MeasuredBusyPercent">How busy the card was at its daemon's last heartbeat, as measured (0–100); null when not measured.</param>
/// <param name="MeasuredMemoryMiB">Device memory in use then, as measured; null when not measured.</param>
/// <param name="Fault">Why its daemon reports it broken (it takes no work); null while it works.</param>
/// <param name="CordonReason">Why an operator cordoned it (no new work; its tasks run on); null when not cordoned.</param>
/// <param name="LinkDomain">Its link group on the node (<see cref="Orion.Contracts.GpuDevice.LinkDomain"/>).</param>
public sealed record CardSummary(
    string GpuId, string NodeId, string DataCenter, int Index, string Model,
    int ComputeCapacityMilli, int ComputeAllocatedMilli, int ComputeInUseMilli,
    long MemoryMiB, long MemoryAllocatedMiB, long ResidentMiB, long HostMiB,
    ImmutableArray<SliceSummary> Slices,
    double? MeasuredBusyPercent = null,
    long? MeasuredMemoryMiB = null,
    string? Fault = null,
    string? CordonReason = null,
    int LinkDomain = 0);
