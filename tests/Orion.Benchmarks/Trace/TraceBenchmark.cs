using System.Globalization;

namespace Orion.Benchmarks.Trace;

/// <summary>Replays a trace under each policy for each seed and averages the runs.</summary>
public static class TraceBenchmark
{
    public static PolicyResult Measure(TraceReplay replay, string policy, int seeds, TextWriter? log = null)
    {
        var runs = new List<ReplayRun>(seeds);
        for (var seed = 0; seed < seeds; seed++)
        {
            var run = replay.Run(TracePolicies.Create(policy, replay, seed), seed);
            log?.WriteLine(FormattableString.Invariant(
                $"  {policy,-12} seed {seed}: {run.Allocation[^1]:F2}% allocated at {TraceReplay.Checkpoints[^1]}%, {run.Failed} of {run.Pods} failed, {run.Pods / run.PlacementSeconds:F0} placements/s"));
            runs.Add(run);
        }

        return Summarise(replay.Name, policy, runs);
    }

    public static PolicyResult Summarise(string trace, string policy, IReadOnlyList<ReplayRun> runs)
    {
        SortedDictionary<string, double> Mean(Func<ReplayRun, double[]> pick)
        {
            var d = new SortedDictionary<string, double>(Comparer<string>.Create((a, b) => int.Parse(a, CultureInfo.InvariantCulture).CompareTo(int.Parse(b, CultureInfo.InvariantCulture))));
            for (var k = 0; k < TraceReplay.Checkpoints.Count; k++)
            {
                d[TraceReplay.Checkpoints[k].ToString(CultureInfo.InvariantCulture)] = Math.Round(runs.Average(r => pick(r)[k]), 3);
            }

            return d;
        }

        var seconds = runs.Sum(r => r.PlacementSeconds);
        return new PolicyResult(
            trace,
            policy,
            Mean(r => r.Allocation),
            Mean(r => r.FragmentationRate),
            Mean(r => r.Ceiling),
            Math.Round(seconds == 0 ? 0 : runs.Sum(r => r.Pods) / seconds),
            runs.Count,
            runs.Average(r => r.Failed),
            Mean(r => r.IdleCards),
            Mean(r => r.Crumbs),
            Mean(r => r.PackedCrumbs));
    }
}
