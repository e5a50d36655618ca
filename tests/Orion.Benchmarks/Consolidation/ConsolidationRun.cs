namespace Orion.Benchmarks.Consolidation;

/// <summary>One run of <see cref="ConsolidationBenchmark"/>.</summary>
/// <param name="Consolidates">Whether consolidation was on (else the baseline: a task that fits nowhere waits).</param>
/// <param name="Cards">Cards in the pool.</param>
/// <param name="Batches">Offline batch tasks left running after the departures, scattered over the cards.</param>
/// <param name="EmptyCards">Cards the departures left empty (what whole-card jobs can take without moving anything).</param>
/// <param name="JobGpus">Cards per job.</param>
/// <param name="GangSize">Members per gang the jobs were submitted in (1: each alone).</param>
/// <param name="Jobs">Jobs submitted (one per two cards' worth), each a gang's member when in gangs.</param>
/// <param name="JobsRunning">Jobs running once the pool settled.</param>
/// <param name="BatchesMoved">Batch tasks moved to another node (their runs started over there).</param>
/// <param name="BatchesWaiting">Batch tasks not running once the pool settled (a move that left one without room would show here).</param>
/// <param name="MovesPerJob">Batch tasks moved per job that runs beyond those the empty cards (or nodes, for jobs of a node's cards) took.</param>
/// <param name="SettleMs">From the jobs' submit until the last job that runs was running.</param>
public sealed record ConsolidationRun(
    bool Consolidates, int Cards, int Batches, int EmptyCards, int JobGpus, int GangSize, int Jobs, int JobsRunning, int BatchesMoved, int BatchesWaiting, double MovesPerJob, double SettleMs);
