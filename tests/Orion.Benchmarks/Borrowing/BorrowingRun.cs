namespace Orion.Benchmarks.Borrowing;

/// <summary>One run of <see cref="BorrowingBenchmark"/>.</summary>
/// <param name="Lending">Whether the batch quota lent idle room.</param>
/// <param name="Cards">Cards in the pool.</param>
/// <param name="BatchRunning">Batch jobs running while research was idle.</param>
/// <param name="BatchWaiting">Batch jobs waiting then.</param>
/// <param name="BusyWhileIdleShare">Share of the cards busy then.</param>
/// <param name="ResearchJobs">Research jobs submitted (its whole quota).</param>
/// <param name="ResearchWaitMs">From research's submit until all its jobs ran.</param>
/// <param name="Evicted">Batch jobs evicted for research.</param>
/// <param name="BusyAfterShare">Share of the cards busy once research ran.</param>
public sealed record BorrowingRun(
    bool Lending, int Cards, int BatchRunning, int BatchWaiting, double BusyWhileIdleShare, int ResearchJobs, double ResearchWaitMs, int Evicted, double BusyAfterShare);
