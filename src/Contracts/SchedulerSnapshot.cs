using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>What a scheduler holds: its queue, in the order it will try them, and its policy.</summary>
/// <param name="Policy">The placement policy's name.</param>
/// <param name="Queue">Pending task ids in placement order (pool-wide: each data centre's queue in turn, by name).</param>
/// <param name="Nodes">Nodes in its index.</param>
/// <param name="Placements">Placements made since activation.</param>
/// <param name="Refusals">Reservations refused by a node (stale index) since activation.</param>
/// <param name="DataCenter">The data centre it schedules; empty for the pool-wide sum.</param>
/// <param name="Silo">The silo its activation lives on; empty for the pool-wide sum.</param>
/// <param name="DataCenters">Pool-wide: each data centre's scheduler; empty for one data centre's.</param>
/// <param name="Rounds">Placement rounds since activation: each decided for every task that arrived while the last was out.</param>
[GenerateSerializer, Alias("orion.SchedulerSnapshot"), Immutable]
public sealed record SchedulerSnapshot(
    [property: Id(0)] string Policy,
    [property: Id(1)] ImmutableArray<string> Queue,
    [property: Id(2)] int Nodes,
    [property: Id(3)] long Placements,
    [property: Id(4)] long Refusals,
    [property: Id(5)] string DataCenter = "",
    [property: Id(6)] string Silo = "",
    [property: Id(7)] ImmutableArray<SchedulerSnapshot> DataCenters = default,
    [property: Id(8)] long Rounds = 0);
