using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A node's capacity and allocations at one version, as its NodeGrain owns them.</summary>
/// <param name="NodeId">The node (<c>dc/node</c>).</param>
/// <param name="DataCenter">Its data centre.</param>
/// <param name="CpuCapacityMilli">Allocatable CPU.</param>
/// <param name="CpuAllocatedMilli">CPU held by tasks.</param>
/// <param name="MemoryCapacityMiB">Allocatable host memory.</param>
/// <param name="MemoryAllocatedMiB">Host memory held by tasks.</param>
/// <param name="Gpus">Its cards.</param>
/// <param name="Schedulable">False when the node takes no new work (no daemon attached, or cordoned).</param>
/// <param name="Version">Grows with every change.</param>
/// <param name="HostSwapMiB">Host RAM set aside for GPU memory moved off the cards.</param>
/// <param name="Silo">The silo the node's grain lives on.</param>
/// <param name="Usage">What its cards did at the daemon's last heartbeat, as measured (empty when not measured).</param>
/// <param name="MeasuredAt">When that heartbeat came.</param>
/// <param name="Backend">Its daemon's backend (simulated, nvidia).</param>
/// <param name="SliceEnforcement">What holds its tasks to their slices (<see cref="NodeRegistration.SliceEnforcement"/>).</param>
/// <param name="CordonReason">Why an operator cordoned it (it takes no new work, its tasks run on); null when not cordoned.</param>
/// <param name="Borrowed">The tasks here on borrowed room beyond their tenants' quotas, with the host resources each holds.</param>
/// <param name="Spread">How many tasks of each spread group hold anything here.</param>
/// <param name="Labels">The node's labels, as its daemon registered them; null for none.</param>
/// <param name="Taints">The node's taints, as its daemon registered them (<see cref="NodeTaints"/>); null for none.</param>
/// <param name="Faults">Its broken cards, as its daemon last reported them: they take no work (default or empty: none).</param>
/// <param name="CordonedCards">Its cards an operator cordoned, with why: they take no new work, their tasks run on; null for none.</param>
/// <param name="Maintenance">Its maintenance windows not yet ended, in start order (<see cref="MaintenanceWindow"/>; default or empty: none).</param>
/// <param name="Address">Where other machines reach its tasks, as its daemon advertises it (<see cref="NodeRegistration.Address"/>); null: not advertised.</param>
[GenerateSerializer, Alias("orion.NodeSnapshot"), Immutable]
public sealed record NodeSnapshot(
    [property: Id(0)] string NodeId,
    [property: Id(1)] string DataCenter,
    [property: Id(2)] long CpuCapacityMilli,
    [property: Id(3)] long CpuAllocatedMilli,
    [property: Id(4)] long MemoryCapacityMiB,
    [property: Id(5)] long MemoryAllocatedMiB,
    [property: Id(6)] ImmutableArray<GpuSnapshot> Gpus,
    [property: Id(7)] bool Schedulable,
    [property: Id(8)] long Version,
    [property: Id(9)] long HostSwapMiB = 0,
    [property: Id(10)] string Silo = "",
    [property: Id(11)] ImmutableArray<CardUsage> Usage = default,
    [property: Id(12)] DateTimeOffset? MeasuredAt = null,
    [property: Id(13)] string Backend = "",
    [property: Id(14)] string SliceEnforcement = "",
    [property: Id(15)] string? CordonReason = null,
    [property: Id(16)] ImmutableArray<BorrowedHolding> Borrowed = default,
    [property: Id(17)] ImmutableArray<SpreadCount> Spread = default,
    [property: Id(18)] ImmutableDictionary<string, string>? Labels = null,
    [property: Id(19)] ImmutableDictionary<string, string>? Taints = null,
    [property: Id(20)] ImmutableArray<CardFault> Faults = default,
    [property: Id(21)] ImmutableDictionary<string, string>? CordonedCards = null,
    [property: Id(22)] ImmutableArray<MaintenanceWindow> Maintenance = default,
    [property: Id(23)] string? Address = null)
{
    /// <summary>Why an operator cordoned the card, or null.</summary>
    public string? CordonOf(string gpuId) => CordonedCards is not null && CordonedCards.TryGetValue(gpuId, out var why) ? why : null;

    /// <summary>True when the card may take new work: neither broken nor cordoned.</summary>
    public bool TakesWork(string gpuId) => FaultOf(gpuId) is null && CordonOf(gpuId) is null;

    /// <summary>Why the card is faulted, or null when it is healthy.</summary>
    public string? FaultOf(string gpuId) => CardFault.ReasonFor(Faults, gpuId);
}
