namespace Orion.Benchmarks.FairShareEviction;

/// <summary>One run of <see cref="FairShareEvictionBenchmark"/>.</summary>
/// <param name="Evicts">Whether fair share eviction was on.</param>
/// <param name="Cards">Cards in the pool.</param>
/// <param name="Submitted">Jobs the newcomer submitted (a card's worth each, as many as the pool has cards).</param>
/// <param name="NewcomerRunning">The newcomer's jobs running once the pool settled.</param>
/// <param name="IncumbentRunning">The first tenant's jobs running then.</param>
/// <param name="Evicted">The first tenant's jobs evicted.</param>
/// <param name="SettleMs">From the newcomer's submit until the count of its running jobs last changed.</param>
public sealed record FairShareEvictionRun(bool Evicts, int Cards, int Submitted, int NewcomerRunning, int IncumbentRunning, int Evicted, double SettleMs);
