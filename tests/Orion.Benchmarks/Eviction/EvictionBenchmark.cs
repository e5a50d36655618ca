using System.Diagnostics;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Benchmarks.Eviction;

/// <summary>
/// Online services submitted into a pool whose cards are allocated to their limit by offline batch work (two tasks of 100%
/// per card at the default 200% compute oversubscription), through the real grains (an in-process silo with embedded
/// simulated nodes). The baseline leaves <c>Orion:Pool:EvictLowerPriority</c> off, so the services wait for batch work
/// to end; the other run turns it on. Alternating in one process: how many services run, how much offline work was
/// evicted for them, and how long until the last one ran.
/// </summary>
public static class EvictionBenchmark
{
    public static Task<int> RunAsync(int nodes, int gpusPerNode, int services, int rounds, string? json) =>
        SideBySide.RunAsync(
            rounds,
            evicts => RunOnceAsync(nodes, gpusPerNode, services, evicts),
            run => FormattableString.Invariant(
                $"{(run.Evicts ? "evicting" : "waiting"),-8}: {run.ServicesRunning} of {run.Services} services running, {run.BatchesEvicted} of {run.Batches} batch tasks evicted ({run.CardsFreedPerService:F2} cards per service), settled in {run.SettleMs:F0} ms"),
            json);

    private static async Task<EvictionRun> RunOnceAsync(int nodes, int gpusPerNode, int services, bool evicts)
    {
        var cards = nodes * gpusPerNode;
        var batches = cards * 2;
        var settings = new Dictionary<string, string?> { ["Orion:Pool:EvictLowerPriority"] = evicts ? "true" : "false" };
        var (running, evicted, settleMs) = await InProcessSilo.WithPoolAsync(nodes, gpusPerNode, "orion-eviction", async client =>
        {
            await client.SubmitManyAsync([.. Enumerable.Range(0, batches).Select(i => new TaskSubmission(Batch(), $"batch-{i:D4}"))]);
            await InProcessSilo.Until(async () => (await client.ListAsync(new TaskQuery(Limit: int.MaxValue))).Count(t => t.State == TaskState.Running) == batches);

            var clock = Stopwatch.StartNew();
            await client.SubmitManyAsync([.. Enumerable.Range(0, services).Select(i => new TaskSubmission(Service(), $"chat-{i:D3}"))]);
            var (tasks, settled) = await InProcessSilo.Settled(client, clock, t => t.State == TaskState.Running && t.Spec.Priority.Class == PriorityClass.Online, TimeSpan.FromMilliseconds(500));
            return (tasks.Count(t => t.Spec.Priority.Class == PriorityClass.Online && t.State == TaskState.Running),
                tasks.Count(t => t.Spec.Priority.Class == PriorityClass.Offline && t.State != TaskState.Running),
                settled);
        }, settings);

        return new EvictionRun(evicts, cards, batches, services, running, evicted, running == 0 ? 0 : (double)evicted / running, settleMs);
    }

    /// <summary>Offline batch work of a whole card's compute that does not end during the run.</summary>
    private static TaskSpec Batch() =>
        new("embed", "search", new TaskPriority(PriorityClass.Offline), ResourceRequest.Slice(100, 8192, 1000, 4096), PlacementConstraints.None,
            WorkloadSpec.Batch(1_000_000, 1000));

    /// <summary>An online service of 40% of a card.</summary>
    private static TaskSpec Service() =>
        new("chat", "apps", new TaskPriority(PriorityClass.Online), ResourceRequest.Slice(40, 8192, 1000, 4096), PlacementConstraints.None,
            WorkloadSpec.Service(10, 5));
}
