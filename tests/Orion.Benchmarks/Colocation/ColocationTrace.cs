namespace Orion.Benchmarks.Colocation;

/// <summary>
/// What one run of a span of the workload did, task by task, in the quantities both the model and the grain run
/// can measure: where each task was placed, each batch's and training's card-hours, when each batch finished,
/// memory moves and bytes, and pauses.
/// </summary>
/// <param name="Cards">Cards in the pool.</param>
/// <param name="FromHour">Hour of day the span starts.</param>
/// <param name="Hours">Length of the span.</param>
/// <param name="Card">The card index each task was placed on.</param>
/// <param name="CardHours">Work done by each batch and training job, in hours of a whole reference card.</param>
/// <param name="FinishedAtHour">Hours into the span at which each batch finished (absent if it did not).</param>
/// <param name="Moves">Memory moves per task (either way).</param>
/// <param name="GiBMoved">GiB moved per task.</param>
/// <param name="Pauses">Times each task was paused for online work.</param>
public sealed record ColocationTrace(
    int Cards,
    double FromHour,
    double Hours,
    IReadOnlyDictionary<string, int> Card,
    IReadOnlyDictionary<string, double> CardHours,
    IReadOnlyDictionary<string, double> FinishedAtHour,
    IReadOnlyDictionary<string, int> Moves,
    IReadOnlyDictionary<string, double> GiBMoved,
    IReadOnlyDictionary<string, int> Pauses);
