namespace Orion.Benchmarks.Eviction;

/// <summary>One run of <see cref="EvictionBenchmark"/>.</summary>
/// <param name="Evicts">Whether eviction by priority was on (else the baseline: a task that fits nowhere waits).</param>
/// <param name="Cards">Cards in the pool.</param>
/// <param name="Batches">Offline batch tasks that filled the pool first (two per card at the default 200% oversubscription).</param>
/// <param name="Services">Online services submitted into the full pool.</param>
/// <param name="ServicesRunning">Services running once the pool settled.</param>
/// <param name="BatchesEvicted">Offline tasks that ran and were evicted (queued again, their run to start over).</param>
/// <param name="CardsFreedPerService">Cards of offline work evicted per service that runs (one card holds two services of 40%).</param>
/// <param name="SettleMs">From the services' submit until the last service that runs was running.</param>
public sealed record EvictionRun(
    bool Evicts, int Cards, int Batches, int Services, int ServicesRunning, int BatchesEvicted, double CardsFreedPerService, double SettleMs);
