namespace Orion.Grains.Tenancy;

/// <summary>What a tenant's meter has counted of one task: its totals at its last report, and when it ended, if it has.</summary>
[GenerateSerializer, Alias("orion.MeteredTask")]
public sealed record MeteredTask(
    [property: Id(0)] double CardSeconds,
    [property: Id(1)] double MemoryMiBSeconds,
    [property: Id(2)] int Runs,
    [property: Id(3)] DateTimeOffset? EndedAt);
