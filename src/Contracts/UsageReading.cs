using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>A tenant meter's days, and how far it has counted each run still under way.</summary>
/// <param name="Days">The days asked for with anything held, in order.</param>
/// <param name="Through">
/// For each task not ended that has reported: the end of the span its reports have counted. A reader adds what a run under
/// way has held since then (<see cref="ITenantMeterGrain"/>), so nothing is counted twice.
/// </param>
/// <param name="ByLabel">
/// Asked by a label's key (<see cref="ITenantMeterGrain.ReadByLabel"/>): the days of the tasks carrying each of its values,
/// by value; tasks without the label are the rest of <paramref name="Days"/>. Null otherwise.
/// </param>
/// <param name="ByDataCenter">
/// Asked by data centre (<see cref="ITenantMeterGrain.ReadByDataCenter"/>): the days of the runs in each, by its name; runs
/// metered before reports named their data centre are the rest of <paramref name="Days"/>. Null otherwise.
/// </param>
[GenerateSerializer, Alias("orion.UsageReading"), Immutable]
public sealed record UsageReading(
    [property: Id(0)] ImmutableArray<UsageDay> Days,
    [property: Id(1)] ImmutableDictionary<string, DateTimeOffset> Through,
    [property: Id(2)] ImmutableDictionary<string, ImmutableArray<UsageDay>>? ByLabel = null,
    [property: Id(3)] ImmutableDictionary<string, ImmutableArray<UsageDay>>? ByDataCenter = null);
