using System.Collections.Immutable;

namespace Orion.Client.Monitoring;

/// <summary>One machine: host capacity, use and its cards.</summary>
/// <param name="NodeId">The node (<c>dc/node</c>).</param>
/// <param name="DataCenter">Its data centre.</param>
/// <param name="Schedulable">False when its daemon is not attached, or it is cordoned.</param>
/// <param name="CpuCapacityMilli">Host CPU.</param>
/// <param name="CpuAllocatedMilli">Host CPU held by tasks.</param>
/// <param name="MemoryCapacityMiB">Host memory.</param>
/// <param name="MemoryAllocatedMiB">Host memory held by tasks.</param>
/// <param name="Cards">Its cards.</param>
/// <param name="Backend">Its daemon's backend (simulated, nvidia).</param>
/// <param name="SliceEnforcement">What holds its tasks to their slices: model, mps, or none (they time-share a card).</param>
/// <param name="CordonReason">Why an operator cordoned it (no new work; its tasks run on); null when not cordoned.</param>
/// <param name="Labels">Its labels, which tasks' node selectors match; null for none.</param>
/// <param name="Taints">Its taints: only tasks that tolerate them all run there; null for none.</param>
/// <param name="Maintenance">Its maintenance windows not yet ended, in start order; default or empty for none.</param>
/// <param name="Address">Where other machines reach its tasks, as its daemon advertises it (a gang's <c>MASTER_ADDR</c>); null: not advertised.</param>
public sealed record NodeSummary(
    string NodeId, string DataCenter, bool Schedulable,
    long CpuCapacityMilli, long CpuAllocatedMilli, long MemoryCapacityMiB, long MemoryAllocatedMiB,
    ImmutableArray<CardSummary> Cards,
    string Backend = "",
    string SliceEnforcement = "",
    string? CordonReason = null,
    ImmutableDictionary<string, string>? Labels = null,
    ImmutableDictionary<string, string>? Taints = null,
    ImmutableArray<Orion.Contracts.MaintenanceWindow> Maintenance = default,
    string? Address = null);
