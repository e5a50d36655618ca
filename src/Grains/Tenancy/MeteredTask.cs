namespace Orion.Grains.Tenancy;

/// <summary>
/// What a tenant's meter has counted of one task: its totals at its last report, when it ended, if it has, and the end of
/// the latest span a report covered (what a later report adds is spread from there).
/// </summary>
[GenerateSerializer, Alias("orion.MeteredTask")]
public sealed record MeteredTask(
    [property: Id(0)] double CardSeconds,
    [property: Id(1)] double MemoryMiBSeconds,
    [property: Id(2)] int Runs,
    [property: Id(3)] DateTimeOffset? EndedAt,
    [property: Id(4)] DateTimeOffset? Through = null);
