namespace Orion.Contracts;

/// <summary>What a tenant's tasks held on one UTC day, from the runs that had ended when it was read.</summary>
/// <param name="Day">The UTC day.</param>
/// <param name="CardSeconds">Compute held, in card-seconds (a whole card for an hour: 3,600).</param>
/// <param name="MemoryMiBSeconds">GPU memory held, in MiB-seconds.</param>
/// <param name="Runs">Runs that ended that day.</param>
[GenerateSerializer, Alias("orion.UsageDay"), Immutable]
public sealed record UsageDay(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] double CardSeconds,
    [property: Id(2)] double MemoryMiBSeconds,
    [property: Id(3)] int Runs);
