using System.Diagnostics;
using Orion.Client;
using Orion.Client.Monitoring;
using Orion.Contracts;

namespace Orion.Benchmarks.Consolidation;

/// <summary>
/// Whole-card jobs submitted into a pool whose free room departures have scattered, through the real grains (an
/// in-process silo with embedded simulated nodes, compute not oversubscribed): first three offline batch tasks of 30% per
/// card, then two thirds of them end (chosen by a seed), leaving one or more on most cards and most of the pool free in
/// pieces; then one whole-card job per two cards. The baseline leaves <c>Orion:Pool:Consolidate</c> off, so a job runs only
/// on a card the departures left empty; the other run turns it on. Alternating in one process: how many jobs run, how many
/// batch tasks were moved for them, whether any batch task was left without room, and how long until the last job ran.
/// </summary>
public static class ConsolidationBenchmark
{
    public static Task<int> RunAsync(int nodes, int gpusPerNode, int jobGpus, int gangSize, int seed, int rounds, string? json) =>
        SideBySide.RunAsync(
            rounds,
            consolidates => RunOnceAsync(nodes, gpusPerNode, jobGpus, gangSize, seed, consolidates),
            run => FormattableString.Invariant(
                $"{(run.Consolidates ? "moving" : "waiting"),-7}: {run.JobsRunning} of {run.Jobs} jobs of {run.JobGpus} card(s){(run.GangSize > 1 ? $" in gangs of {run.GangSize}" : "")} running ({run.EmptyCards} cards were empty), {run.BatchesMoved} of {run.Batches} batch tasks moved ({run.MovesPerJob:F2} per job beyond those that fit without a move), {run.BatchesWaiting} waiting, settled in {run.SettleMs:F0} ms"),
            json);

    private static async Task<ConsolidationRun> RunOnceAsync(int nodes, int gpusPerNode, int jobGpus, int gangSize, int seed, bool consolidates)
    {
        var cards = nodes * gpusPerNode;
        var jobs = cards / 2 / jobGpus / gangSize * gangSize;
        var settings = new Dictionary<string, string?>
        {
            ["Orion:Pool:Consolidate"] = consolidates ? "true" : "false",
            ["Orion:Pool:ComputeOversubscription"] = "1",
            ["Orion:Pool:IndexResyncInterval"] = TimeSpan.FromSeconds(1).ToString(),
        };
        return await InProcessSilo.WithPoolAsync(nodes, gpusPerNode, "orion-consolidation", async client =>
        {
            var batchIds = Enumerable.Range(0, cards * 3).Select(i => $"batch-{i:D4}").ToList();
            await client.SubmitManyAsync([.. batchIds.Select(id => new TaskSubmission(Batch(), id))]);
            await InProcessSilo.Until(async () => (await client.ListAsync(new TaskQuery(Limit: int.MaxValue))).Count(t => t.State == TaskState.Running) == batchIds.Count);

            // The departures: two thirds end, the same ones in every run.
            var random = new Random(seed);
            var leaving = batchIds.OrderBy(_ => random.Next()).Take(batchIds.Count * 2 / 3).ToHashSet(StringComparer.Ordinal);
            foreach (var id in leaving)
            {
                await client.CancelAsync(id);
            }

            var staying = batchIds.Where(id => !leaving.Contains(id)).ToHashSet(StringComparer.Ordinal);
            var pool = await client.GetPoolAsync();
            var empty = pool.Cards.Count(c => c.Slices.IsDefaultOrEmpty);
            var emptyNodes = pool.Cards.GroupBy(c => c.NodeId).Count(n => n.All(c => c.Slices.IsDefaultOrEmpty));

            var clock = Stopwatch.StartNew();
            await client.SubmitManyAsync([.. Enumerable.Range(0, jobs).Select(i => new TaskSubmission(gangSize == 1 ? Job(jobGpus) : Job(jobGpus) with { Gang = new GangSpec($"gang-{i / gangSize:D3}", gangSize) }, $"job-{i:D3}"))]);
            var (tasks, settled) = await InProcessSilo.Settled(
                client, clock, t => t.State == TaskState.Running && t.TaskId.StartsWith("job-", StringComparison.Ordinal), TimeSpan.FromSeconds(3));
            var batches = tasks.Where(t => staying.Contains(t.TaskId)).ToList();
            var running = tasks.Count(t => t.TaskId.StartsWith("job-", StringComparison.Ordinal) && t.State == TaskState.Running);
            var moved = batches.Count(t => t.Runs > 0);
            // What jobs could take without a move: empty cards, or for jobs of a whole node's cards, empty nodes.
            var ready = jobGpus == 1 ? empty : jobGpus == gpusPerNode ? emptyNodes : 0;
            var beyond = running - Math.Min(running, ready);
            return new ConsolidationRun(consolidates, cards, staying.Count, empty, jobGpus, gangSize, jobs, running, moved, batches.Count(t => t.State != TaskState.Running),
                beyond == 0 ? 0 : (double)moved / beyond, settled);
        }, settings);
    }

    /// <summary>Offline batch work of 30% of a card that does not end during the run.</summary>
    private static TaskSpec Batch() =>
        new("embed", "search", new TaskPriority(PriorityClass.Offline), ResourceRequest.Slice(30, 8192, 1000, 4096), PlacementConstraints.None,
            WorkloadSpec.Batch(1_000_000, 1000));

    /// <summary>A training job of a whole card's compute, or of several whole cards.</summary>
    private static TaskSpec Job(int gpus) =>
        new("finetune", "research", new TaskPriority(PriorityClass.Training),
            gpus == 1 ? ResourceRequest.Slice(100, 40_960, 1000, 4096) : ResourceRequest.WholeGpus(gpus, 1000, 4096), PlacementConstraints.None,
            WorkloadSpec.Training(1_000_000, 1000, 40_960));
}
