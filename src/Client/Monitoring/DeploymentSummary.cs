using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>A deployment as the pool page, <c>/api/deployments</c> and <c>orion deployments</c> show it.</summary>
/// <param name="Name">The deployment's name.</param>
/// <param name="Tenant">Its replicas' tenant.</param>
/// <param name="Replicas">How many replicas it keeps.</param>
/// <param name="Ready">Replicas of the current revision that run (or are paused on their cards).</param>
/// <param name="Live">Replicas not ended, of any revision.</param>
/// <param name="Revision">The current revision.</param>
/// <param name="Status">In words: ready, so many not ready, rolling out, or backing off after failures.</param>
/// <param name="Tasks">The live replicas' task ids, oldest first.</param>
/// <param name="Autoscale">How it scales itself, as "MIN–MAX at N% busy" or "MIN–MAX on METRIC at N per replica (GET :PORT/PATH)"; null when its count is set by hand.</param>
/// <param name="BusyPercent">How busy its running replicas were at its last look, on average (deployments that scale themselves).</param>
/// <param name="MetricValue">With a metric to scale on: its value per replica at the last look that read it.</param>
/// <param name="MetricUnread">With a metric to scale on: why a replica's value could not be read at the last look, if one could not.</param>
/// <param name="Strategy">How it rolls out and how many replicas drains may move at once, as <see cref="StrategyOf"/> words it.</param>
public sealed record DeploymentSummary(
    string Name, string Tenant, int Replicas, int Ready, int Live, int Revision, string Status, ImmutableArray<string> Tasks, string? Autoscale = null, double? BusyPercent = null,
    string? Strategy = null, double? MetricValue = null, string? MetricUnread = null)
{
    /// <summary>The summary of <paramref name="d"/>.</summary>
    public static DeploymentSummary Of(DeploymentStatus d) =>
        new(d.Name, d.Template.Tenant, d.Replicas, d.Ready, d.Tasks.Length, d.Revision, StateOf(d), [.. d.Tasks.Select(t => t.TaskId)], AutoscaleOf(d), d.BusyPercent, StrategyOf(d),
            d.MetricValue, d.MetricUnread);

    /// <summary>What its autoscaler measured at its last look, in words ("7.5 per replica", "50% busy"); null before it has.</summary>
    public string? Measured => MetricValue is { } value ? $"{value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} per replica"
        : BusyPercent is { } busy ? $"{busy.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}% busy"
        : null;

    /// <summary>The strategy in words (<see cref="DeploymentStrategy.ToString"/>): "surge 1, unavailable 0; drains move 1 at a time".</summary>
    public static string StrategyOf(DeploymentStatus d) => (d.Strategy ?? DeploymentStrategy.Default).ToString();

    /// <summary>"MIN–MAX at N% busy" or "MIN–MAX on METRIC at N per replica (GET :PORT/PATH)", or null for a deployment whose count is set by hand.</summary>
    public static string? AutoscaleOf(DeploymentStatus d) => d.Autoscale switch
    {
        { Metric: { } metric } a => $"{a.Min}–{a.Max} on {metric}",
        { } a => $"{a.Min}–{a.Max} at {a.TargetBusyPercent}% busy",
        null => null,
    };

    /// <summary>In a word or three: backing off after failures, rollout paused or failed past its deadline, rolling out, short of replicas, or ready.</summary>
    public static string StateOf(DeploymentStatus d) =>
        d.ReplaceAfter is { } after ? $"backing off until {after:HH:mm:ss} ({d.FailuresInRow} failed in a row)"
        : d.Rolling && d.Paused ? $"rollout paused: {d.Tasks.Count(t => t.Revision == d.Revision)} of {d.Tasks.Length} on revision {d.Revision}"
        : d.Stalled ? $"rollout of revision {d.Revision} failed: no progress in {Durations.Format(d.Strategy?.ProgressDeadline ?? TimeSpan.Zero)}"
        : d.Rolling ? $"rolling out revision {d.Revision}"
        : d.Ready < d.Replicas ? $"{d.Replicas - d.Ready} not ready"
        : "ready";
}
