using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>Tasks on borrowed room to evict from one node so that a task within its quota fits there.</summary>
/// <param name="ForTaskId">The waiting task the room is for.</param>
/// <param name="NodeId">The node.</param>
/// <param name="Victims">The borrowed tasks to evict there.</param>
public sealed record ReclaimPlan(string ForTaskId, string NodeId, ImmutableArray<BorrowedHolding> Victims);
