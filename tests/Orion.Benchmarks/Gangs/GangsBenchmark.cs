using System.Diagnostics;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Benchmarks.Gangs;

/// <summary>
/// Distributed jobs of whole-node workers through the real grains (an in-process silo with embedded simulated nodes),
/// submitted as plain job arrays (the baseline) and as gangs, side by side in one process. First twice as many jobs as
/// the pool holds, their workers arriving interleaved (every job's first worker, then every job's second, ...), as jobs
/// submitted together by many users do: how many jobs have all their workers running, and how many cards are held by
/// workers that wait on the rest of their job (a distributed job makes no progress until every worker is up). Then, in
/// a fresh pool, as many jobs as it holds: how long until every worker runs (what placing whole costs).
/// </summary>
public static class GangsBenchmark
{
    public static Task<int> RunAsync(int nodes, int gpusPerNode, int jobs, int workers, int rounds, string? json) =>
        SideBySide.RunAsync(
            rounds,
            gangs => RunOnceAsync(nodes, gpusPerNode, jobs, workers, gangs),
            run => FormattableString.Invariant(
                $"{(run.Gangs ? "gangs" : "arrays"),-6}: {run.JobsWhole} of {run.Jobs} jobs whole, {run.WorkersRunning} workers running, {run.StrandedCardShare:P0} of {run.Cards} cards held by jobs not whole (settled in {run.SettleMs:F0} ms); {run.FitJobs} jobs on an empty pool all running in {run.FitAllRunningMs:F0} ms"),
            json);

    private static async Task<GangsRun> RunOnceAsync(int nodes, int gpusPerNode, int jobs, int workers, bool gangs)
    {
        var (whole, running, stranded, settle) = await InProcessSilo.WithPoolAsync(nodes, gpusPerNode, "orion-gangs", async client =>
        {
            // Interleaved: worker w of every job, for each w in turn.
            var clock = Stopwatch.StartNew();
            for (var w = 0; w < workers; w++)
            {
                await client.SubmitManyAsync([.. Enumerable.Range(0, jobs).Select(j => Worker(j, w, workers, gpusPerNode, gangs))]);
            }

            var (tasks, settleMs) = await InProcessSilo.Settled(client, clock, t => t.State == TaskState.Running, TimeSpan.FromMilliseconds(500));
            var byJob = tasks.Where(t => t.State == TaskState.Running).GroupBy(t => t.TaskId[..t.TaskId.LastIndexOf('-')]).ToList();
            var jobsWhole = byJob.Count(g => g.Count() == workers);
            var workersRunning = byJob.Sum(g => g.Count());
            var strandedCards = byJob.Where(g => g.Count() < workers).Sum(g => g.Count()) * gpusPerNode;
            return (jobsWhole, workersRunning, (double)strandedCards / (nodes * gpusPerNode), settleMs);
        });

        var fit = nodes / workers;
        var (_, _, _, fitMs) = await InProcessSilo.WithPoolAsync(nodes, gpusPerNode, "orion-gangs", async client =>
        {
            var clock = Stopwatch.StartNew();
            await client.SubmitManyAsync([.. Enumerable.Range(0, fit).SelectMany(j => Enumerable.Range(0, workers).Select(w => Worker(j, w, workers, gpusPerNode, gangs)))]);
            await InProcessSilo.Until(async () => (await client.ListAsync(new TaskQuery(Limit: int.MaxValue))).Count(t => t.State == TaskState.Running) == fit * workers);
            return (0, 0, 0.0, clock.Elapsed.TotalMilliseconds);
        });

        return new GangsRun(gangs, nodes * gpusPerNode, jobs, running, whole, stranded, settle, fit, fitMs);
    }

    /// <summary>Worker <paramref name="w"/> of job <paramref name="j"/>: a whole node, training that does not end during the run.</summary>
    private static TaskSubmission Worker(int j, int w, int workers, int gpusPerNode, bool gang)
    {
        var spec = new TaskSpec($"job-{j:D3}", "research", new TaskPriority(PriorityClass.Training), ResourceRequest.WholeGpus(gpusPerNode, 8000, 65_536),
            PlacementConstraints.None, WorkloadSpec.Training(1_000_000, 1000, 1024), Gang: gang ? new GangSpec($"job-{j:D3}", workers) : null);
        return new TaskSubmission(spec, $"job-{j:D3}-{w}");
    }
}
