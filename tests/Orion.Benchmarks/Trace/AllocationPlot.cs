using ScottPlot;

namespace Orion.Benchmarks.Trace;

/// <summary>GPU allocation ratio against arrived workload, one line per policy (the FGD paper's main figure).</summary>
public static class AllocationPlot
{
    public static void Save(string path, string trace, IReadOnlyList<PolicyResult> results)
    {
        var plot = new Plot();
        var xs = TraceReplay.Checkpoints.Select(c => (double)c).ToArray();
        foreach (var r in results)
        {
            var line = plot.Add.Scatter(xs, TraceReplay.Checkpoints.Select(c => r.Allocation[c.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ToArray());
            line.LegendText = r.Policy;
            line.LineWidth = r.Policy == TracePolicies.Orion ? 3 : 1.5f;
        }

        plot.Title($"{trace}: GPU allocation vs arrived workload (mean of seeds)");
        plot.XLabel("arrived workload (% of cluster GPU)");
        plot.YLabel("GPU allocation ratio (%)");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 600);
    }
}
