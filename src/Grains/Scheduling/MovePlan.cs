using System.Collections.Immutable;

namespace Orion.Grains.Scheduling;

/// <summary>Running tasks to move off one node so that a waiting task, which fits nowhere now, fits there (<see cref="Consolidation"/>).</summary>
/// <param name="ForTaskId">The waiting task the room is for.</param>
/// <param name="NodeId">The node its room is made on.</param>
/// <param name="Moves">The tasks to move off it, each with where it fits now.</param>
public sealed record MovePlan(string ForTaskId, string NodeId, ImmutableArray<MovedTask> Moves);
