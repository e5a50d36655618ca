namespace Orion.Benchmarks.Gangs;

/// <summary>One run of <see cref="GangsBenchmark"/>.</summary>
/// <param name="Gangs">Whether the workers were gangs (else plain job arrays).</param>
/// <param name="Cards">Cards in the pool.</param>
/// <param name="Jobs">Jobs submitted (twice what the pool holds by default), their workers interleaved.</param>
/// <param name="WorkersRunning">Workers running once the pool settled.</param>
/// <param name="JobsWhole">Jobs with every worker running: the only ones that can make progress.</param>
/// <param name="StrandedCardShare">Share of the cards held by workers of jobs not all running (they wait on the rest).</param>
/// <param name="SettleMs">From the first submit until the last worker that runs was running.</param>
/// <param name="FitJobs">Jobs submitted to an empty pool that holds them all (the placement's own cost).</param>
/// <param name="FitAllRunningMs">From that submit until all their workers ran.</param>
public sealed record GangsRun(
    bool Gangs, int Cards, int Jobs, int WorkersRunning, int JobsWhole, double StrandedCardShare, double SettleMs, int FitJobs, double FitAllRunningMs);
