namespace Orion.Benchmarks.Trace;

/// <summary>One seed of a trace replayed through the grains.</summary>
/// <param name="Seed">The arrival order's seed.</param>
/// <param name="InFlight">Pods submitted concurrently.</param>
/// <param name="Allocation">GPU allocation ratio (%) at each of <see cref="TraceReplay.Checkpoints"/> arrived %.</param>
/// <param name="Pods">Pods submitted.</param>
/// <param name="Failed">Pods the pool failed as unplaceable.</param>
/// <param name="Seconds">Wall time from the first submission to the last decision.</param>
/// <param name="Rounds">The scheduler's placement rounds (each decided for every pod that arrived while the last was out).</param>
public sealed record GrainRun(int Seed, int InFlight, double[] Allocation, int Pods, int Failed, double Seconds, long Rounds = 0)
{
    public double PlacementsPerSecond => Seconds == 0 ? 0 : Pods / Seconds;
}
