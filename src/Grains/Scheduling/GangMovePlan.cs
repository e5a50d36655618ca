using System.Collections.Immutable;

namespace Orion.Grains.Scheduling;

/// <summary>The moves that let a gang's members fit all at once (<see cref="Consolidation.PlanGang"/>).</summary>
/// <param name="Moves">The nodes to empty, each for one member.</param>
/// <param name="NodeIds">Every node a member is planned onto: those emptied and those with room now, held for the gang until it is placed.</param>
public sealed record GangMovePlan(ImmutableArray<MovePlan> Moves, ImmutableArray<string> NodeIds);
