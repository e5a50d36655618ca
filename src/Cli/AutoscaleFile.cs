using Orion.Contracts;

namespace Orion.Cli;

/// <summary>A deployment file's <c>autoscale:</c> (flags: <c>--min-replicas</c>, <c>--max-replicas</c>, <c>--target-busy</c>, <c>--scale-metric</c>, <c>--target-value</c>, <c>--metrics-at</c>).</summary>
public sealed class AutoscaleFile
{
    /// <summary>The fewest replicas (default 1).</summary>
    public int? Min { get; set; }

    /// <summary>The most replicas: without it the count is set by hand.</summary>
    public int? Max { get; set; }

    /// <summary>The busy percent to keep each replica at (default 70).</summary>
    public int? TargetBusy { get; set; }

    /// <summary>A metric of the replicas' own to scale on instead (<see cref="ScaleMetric.Query"/>).</summary>
    public string? Metric { get; set; }

    /// <summary>With <see cref="Metric"/>: the value to keep each replica at.</summary>
    public double? Target { get; set; }

    /// <summary>With <see cref="Metric"/>: where each replica serves it, <c>:PORT</c> or <c>:PORT/PATH</c>.</summary>
    public string? At { get; set; }

    /// <summary>Fields set here replace those of <paramref name="baseFile"/>.</summary>
    public AutoscaleFile Over(AutoscaleFile? baseFile) => new()
    {
        Min = Min ?? baseFile?.Min,
        Max = Max ?? baseFile?.Max,
        TargetBusy = TargetBusy ?? baseFile?.TargetBusy,
        Metric = Metric ?? baseFile?.Metric,
        Target = Target ?? baseFile?.Target,
        At = At ?? baseFile?.At,
    };

    /// <summary>The autoscaling; null when nothing is given.</summary>
    /// <exception cref="CliException">A key given without the one it goes with, or an endpoint not of its form.</exception>
    public AutoscaleSpec? Build()
    {
        if (Max is not { } most)
        {
            return Min is null && TargetBusy is null && Metric is null && Target is null && At is null
                ? null
                : throw new CliException("--max-replicas (autoscale.max): must be given to scale a deployment by demand (with --min-replicas, --target-busy or --scale-metric)", ExitCodes.BadInput);
        }

        ScaleMetric? metric = null;
        if (Metric is { } query)
        {
            if (TargetBusy is not null)
            {
                throw new CliException("--target-busy (autoscale.target-busy): scales on busy time; with a metric the target is --target-value (autoscale.target)", ExitCodes.BadInput);
            }

            var (port, path) = ScaleMetric.ParseEndpoint(At)
                ?? throw new CliException(At is null
                    ? "--metrics-at (autoscale.at): must be given with a metric (:PORT or :PORT/PATH, where each replica serves its metrics)"
                    : $"--metrics-at (autoscale.at): '{At}' must be :PORT or :PORT/PATH (port 1 to 65535)", ExitCodes.BadInput);
            metric = new ScaleMetric(query.Trim(), Target ?? throw new CliException("--target-value (autoscale.target): must be given with a metric (the value to keep each replica at)", ExitCodes.BadInput), port, path);
        }
        else if (Target is not null || At is not null)
        {
            throw new CliException("--target-value, --metrics-at (autoscale.target, autoscale.at): go with a metric (--scale-metric, autoscale.metric)", ExitCodes.BadInput);
        }

        return new AutoscaleSpec(Min ?? 1, most, TargetBusy ?? 70, metric);
    }
}
