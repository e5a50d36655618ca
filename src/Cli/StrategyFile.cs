using System.Text.Json.Serialization;
using Orion.Contracts;

namespace Orion.Cli;

/// <summary>A deployment file's <c>strategy:</c> (flags: <c>--max-surge</c>, <c>--max-unavailable</c>, <c>--disruption-budget</c>, <c>--min-ready</c>, <c>--progress-deadline</c>, <c>--rollback-on-failure</c>).</summary>
public sealed class StrategyFile
{
    /// <summary>How many replicas beyond the count a rollout may add, a count or a share (<c>25%</c>).</summary>
    [JsonConverter(typeof(TextOrNumber))]
    public string? MaxSurge { get; set; }

    /// <summary>How many fewer than the count may serve during a rollout, a count or a share.</summary>
    [JsonConverter(typeof(TextOrNumber))]
    public string? MaxUnavailable { get; set; }

    /// <summary>How many replicas drains and maintenance may take out of service at once, a count or a share.</summary>
    [JsonConverter(typeof(TextOrNumber))]
    public string? DisruptionBudget { get; set; }

    /// <summary>How long a replica must have run before it counts as serving (<c>3m</c>).</summary>
    [JsonConverter(typeof(TextOrNumber))]
    public string? MinReady { get; set; }

    /// <summary>How long a rollout may go without progress before it fails (<c>10m</c>).</summary>
    [JsonConverter(typeof(TextOrNumber))]
    public string? ProgressDeadline { get; set; }

    /// <summary>Whether a failed rollout rolls itself back.</summary>
    public bool? RollbackOnFailure { get; set; }

    /// <summary>Fields set here replace those of <paramref name="baseFile"/>.</summary>
    public StrategyFile Over(StrategyFile? baseFile) => new()
    {
        MaxSurge = MaxSurge ?? baseFile?.MaxSurge,
        MaxUnavailable = MaxUnavailable ?? baseFile?.MaxUnavailable,
        DisruptionBudget = DisruptionBudget ?? baseFile?.DisruptionBudget,
        MinReady = MinReady ?? baseFile?.MinReady,
        ProgressDeadline = ProgressDeadline ?? baseFile?.ProgressDeadline,
        RollbackOnFailure = RollbackOnFailure ?? baseFile?.RollbackOnFailure,
    };

    /// <summary>The strategy, its keys not given at their defaults; null when nothing is given.</summary>
    /// <exception cref="CliException">A key not of its form.</exception>
    public DeploymentStrategy? Build()
    {
        if ((MaxSurge, MaxUnavailable, DisruptionBudget, MinReady, ProgressDeadline, RollbackOnFailure) is (null, null, null, null, null, null or false))
        {
            return null;
        }

        return new DeploymentStrategy
        {
            MaxSurge = Count(MaxSurge, "--max-surge (strategy.max-surge)") ?? 1,
            MaxUnavailable = Count(MaxUnavailable, "--max-unavailable (strategy.max-unavailable)") ?? 0,
            DisruptionBudget = Count(DisruptionBudget, "--disruption-budget (strategy.disruption-budget)") ?? 1,
            MinReady = Time(MinReady, "--min-ready (strategy.min-ready)") ?? TimeSpan.Zero,
            ProgressDeadline = Time(ProgressDeadline, "--progress-deadline (strategy.progress-deadline)") ?? TimeSpan.Zero,
            RollBackOnFailure = RollbackOnFailure ?? false,
        };

        static ReplicaCount? Count(string? text, string key) =>
            text is null ? null : ReplicaCount.Parse(text) ?? throw new CliException($"{key}: '{text}' {ReplicaCount.Rule}", ExitCodes.BadInput);

        static TimeSpan? Time(string? text, string key) =>
            text is null ? null : text.Trim() == "0" ? TimeSpan.Zero : Durations.Parse(text) ?? throw new CliException($"{key}: '{text}' {Durations.Rule}", ExitCodes.BadInput);
    }
}
