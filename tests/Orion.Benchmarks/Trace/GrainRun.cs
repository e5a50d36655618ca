namespace Orion.Benchmarks.Trace;

/// <summary>One seed of a trace replayed through the grains.</summary>
/// <param name="Seed">The arrival order's seed.</param>
/// <param name="InFlight">Pods submitted concurrently.</param>
/// <param name="Allocation">GPU allocation ratio (%) at each of <see cref="TraceReplay.Checkpoints"/> arrived %.</param>
/// <param name="Pods">Pods submitted.</param>
/// <param name="Failed">Pods the pool failed as unplaceable.</param>
/// <param name="Seconds">Wall time from the first submission to the last decision.</param>
/// <param name="CpuSeconds">Process CPU time (all threads) over the same span: robust to a busy machine, unlike wall time.</param>
/// <param name="Rounds">The scheduler's placement rounds (each decided for every pod that arrived while the last was out).</param>
public sealed record GrainRun(int Seed, int InFlight, double[] Allocation, int Pods, int Failed, double Seconds, double CpuSeconds, long Rounds = 0)
{
    public double PlacementsPerSecond => Seconds == 0 ? 0 : Pods / Seconds;

    /// <summary>Bytes allocated over the run (all threads): what drives the collector's pauses.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Time the collector paused the process over the run.</summary>
    public double GcPauseSeconds { get; init; }

    /// <summary>Wall time of the baseline over the same pods: a new grain per pod, one call, one state write (<see cref="FloorGrain"/>).</summary>
    public double FloorSeconds { get; init; }

    /// <summary>Process CPU of the baseline.</summary>
    public double FloorCpuSeconds { get; init; }

    /// <summary>The baseline's pods per second.</summary>
    public double FloorPerSecond => FloorSeconds == 0 ? 0 : Pods / FloorSeconds;

    /// <summary>The baseline's CPU per pod, in microseconds.</summary>
    public double FloorCpuMicrosecondsPerPod => Pods == 0 ? 0 : FloorCpuSeconds * 1e6 / Pods;

    /// <summary>Process CPU per pod, in microseconds.</summary>
    public double CpuMicrosecondsPerPod => Pods == 0 ? 0 : CpuSeconds * 1e6 / Pods;
}
