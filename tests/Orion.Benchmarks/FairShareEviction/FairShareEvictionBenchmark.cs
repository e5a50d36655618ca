using System.Diagnostics;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Benchmarks.FairShareEviction;

/// <summary>
/// A tenant's offline jobs fill every card of the pool (they do not end during the run); then a second tenant submits as
/// many jobs. Through the real grains (an in-process silo with embedded simulated nodes), side by side: waiting (fair
/// share orders the queue only) vs <c>Orion:Pool:FairShareEviction</c>. How many of the newcomer's jobs run, how many of the
/// first tenant's are evicted for them, and how long it takes.
/// </summary>
public static class FairShareEvictionBenchmark
{
    public static Task<int> RunAsync(int nodes, int gpusPerNode, int rounds, string? json) =>
        SideBySide.RunAsync(
            rounds,
            evicts => RunOnceAsync(nodes, gpusPerNode, evicts),
            run => FormattableString.Invariant(
                $"{(run.Evicts ? "evicting" : "waiting"),-8}: newcomer {run.NewcomerRunning} of {run.Submitted} jobs running, first tenant {run.IncumbentRunning} of {run.Cards} ({run.Evicted} evicted), settled in {run.SettleMs:F0} ms"),
            json);

    private static async Task<FairShareEvictionRun> RunOnceAsync(int nodes, int gpusPerNode, bool evicts)
    {
        var cards = nodes * gpusPerNode;
        var settings = new Dictionary<string, string?> { ["Orion:Pool:FairShareEviction"] = evicts ? "true" : "false" };
        var (newcomer, incumbent, evicted, settleMs) = await InProcessSilo.WithPoolAsync(nodes, gpusPerNode, "orion-fair-eviction", async client =>
        {
            await client.SubmitManyAsync([.. Enumerable.Range(0, cards).Select(i => new TaskSubmission(Job("batch"), $"batch-{i:D4}"))]);
            await InProcessSilo.Until(async () => (await client.ListAsync(new TaskQuery(Limit: int.MaxValue))).Count(t => t.State == TaskState.Running) == cards);

            var clock = Stopwatch.StartNew();
            await client.SubmitManyAsync([.. Enumerable.Range(0, cards).Select(i => new TaskSubmission(Job("research"), $"research-{i:D4}"))]);
            var (tasks, settled) = await InProcessSilo.Settled(client, clock, t => t.State == TaskState.Running && t.Spec.Tenant == "research", TimeSpan.FromMilliseconds(500));
            return (tasks.Count(t => t.Spec.Tenant == "research" && t.State == TaskState.Running),
                tasks.Count(t => t.Spec.Tenant == "batch" && t.State == TaskState.Running),
                tasks.Count(t => t.Spec.Tenant == "batch" && t.Generation > 1),
                settled);
        }, settings);

        return new FairShareEvictionRun(evicts, cards, cards, newcomer, incumbent, evicted, settleMs);
    }

    /// <summary>Offline work of a whole card (not shared, whatever the oversubscription) that does not end during the run.</summary>
    private static TaskSpec Job(string tenant) =>
        new("job", tenant, new TaskPriority(PriorityClass.Offline), ResourceRequest.WholeGpus(1), PlacementConstraints.None, WorkloadSpec.Batch(1, 1e9));
}
