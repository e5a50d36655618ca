using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// A task's word to its tenant's meter that a run of it let go of its capacity: what it has held in all, so far (so a
/// report sent twice counts once, and one lost is made up by the next).
/// </summary>
/// <param name="TaskId">The task.</param>
/// <param name="RunFrom">When the run that ended was placed.</param>
/// <param name="RunTo">When it let go of its capacity: what the task held since its last report is spread over this run.</param>
/// <param name="CardSeconds">Compute held by every run of the task so far, in card-seconds (half a card for an hour: 1,800).</param>
/// <param name="MemoryMiBSeconds">GPU memory held by every run so far, in MiB-seconds.</param>
/// <param name="Runs">Its runs so far.</param>
/// <param name="Final">The task has ended: nothing more comes from it.</param>
/// <param name="Labels">The task's own labels (<see cref="TaskSpec.Labels"/>), so its usage is also counted by each of them; null for none.</param>
/// <param name="DataCenter">
/// The data centre of the run's node, so its usage is also counted there (fair sharing measures a tenant's past use against
/// one data centre's cards); null for none (an ending between runs, or a report from before this was sent).
/// </param>
[GenerateSerializer, Alias("orion.UsageReport"), Immutable]
public sealed record UsageReport(
    [property: Id(0)] string TaskId,
    [property: Id(1)] DateTimeOffset RunFrom,
    [property: Id(2)] DateTimeOffset RunTo,
    [property: Id(3)] double CardSeconds,
    [property: Id(4)] double MemoryMiBSeconds,
    [property: Id(5)] int Runs,
    [property: Id(6)] bool Final,
    [property: Id(7)] ImmutableDictionary<string, string>? Labels = null,
    [property: Id(8)] string? DataCenter = null);
