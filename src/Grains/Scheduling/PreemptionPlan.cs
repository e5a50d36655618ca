using System.Collections.Immutable;

namespace Orion.Grains.Scheduling;

/// <summary>Lower-priority tasks to evict from one node so that a higher-priority task, which fits nowhere now, fits there.</summary>
/// <param name="ForTaskId">The waiting task the room is for.</param>
/// <param name="NodeId">The node.</param>
/// <param name="Victims">The tasks to evict there, each with the placement generation it holds the node under.</param>
public sealed record PreemptionPlan(string ForTaskId, string NodeId, ImmutableArray<(string TaskId, long Generation)> Victims);
