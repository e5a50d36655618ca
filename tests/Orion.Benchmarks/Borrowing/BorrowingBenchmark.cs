using System.Diagnostics;
using Orion.Client;
using Orion.Contracts;

namespace Orion.Benchmarks.Borrowing;

/// <summary>
/// Two tenants, each with a quota of half the pool's cards, through the real grains (an in-process silo with embedded
/// simulated nodes). A batch tenant submits twice its quota of whole-card offline jobs while the other tenant is idle;
/// then the research tenant submits its quota's worth of training jobs. Run with strict quotas (the baseline) and with a
/// batch quota that lends (<see cref="TenantQuota.Borrow"/>), side by side in one process: how much of the pool works
/// while research is idle, how long research waits for its cards, and how many batch jobs are evicted for it.
/// </summary>
public static class BorrowingBenchmark
{
    public static Task<int> RunAsync(int nodes, int gpusPerNode, int rounds, string? json) =>
        SideBySide.RunAsync(
            rounds,
            lend => RunOnceAsync(nodes, gpusPerNode, lend),
            run => FormattableString.Invariant(
                $"{(run.Lending ? "lending" : "strict "),-7} quota: {run.BusyWhileIdleShare:P0} of {run.Cards} cards busy while research is idle ({run.BatchRunning} batch jobs running, {run.BatchWaiting} waiting); research's {run.ResearchJobs} jobs all running {run.ResearchWaitMs:F0} ms after submit; {run.Evicted} batch jobs evicted; {run.BusyAfterShare:P0} busy after"),
            json);

    private static Task<BorrowingRun> RunOnceAsync(int nodes, int gpusPerNode, bool lend)
    {
        var cards = nodes * gpusPerNode;
        var half = cards / 2;
        return InProcessSilo.WithPoolAsync(nodes, gpusPerNode, "orion-borrowing", async client =>
        {
            await client.SetQuotaAsync("batch", new TenantQuota(GpuPercent: half * 100, Borrow: lend ? true : null));
            await client.SetQuotaAsync("research", new TenantQuota(GpuPercent: half * 100));

            // Batch: twice its quota of whole-card jobs that do not end during the run.
            await client.SubmitManyAsync([.. Enumerable.Range(0, 2 * half).Select(i => new TaskSubmission(Job("batch", PriorityClass.Offline), $"batch-{i:D4}"))]);
            await InProcessSilo.Until(async () => (await client.ListAsync(new TaskQuery("batch"))).Count(t => t.State == TaskState.Running) == (lend ? 2 * half : half));
            var before = await client.ListAsync(new TaskQuery("batch"));

            // Research: its whole quota at once, while batch fills the pool.
            var clock = Stopwatch.StartNew();
            await client.SubmitManyAsync([.. Enumerable.Range(0, half).Select(i => new TaskSubmission(Job("research", PriorityClass.Training), $"research-{i:D4}"))]);
            await InProcessSilo.Until(async () => (await client.ListAsync(new TaskQuery("research"))).Count(t => t.State == TaskState.Running) == half);
            var waited = clock.Elapsed.TotalMilliseconds;

            var after = await client.ListAsync(new TaskQuery("batch"));
            var running = before.Count(t => t.State == TaskState.Running);
            return new BorrowingRun(
                lend, cards, running, before.Count - running, (double)running / cards, half, waited,
                after.Count(t => t.ExitReason?.StartsWith("evicted", StringComparison.Ordinal) == true),
                (double)(after.Count(t => t.State == TaskState.Running) + half) / cards);
        });
    }

    private static TaskSpec Job(string tenant, PriorityClass priority) =>
        new("job", tenant, new TaskPriority(priority), ResourceRequest.WholeGpus(1), PlacementConstraints.None, WorkloadSpec.Batch(1, 1e9));
}
