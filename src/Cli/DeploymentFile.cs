using Orion.Contracts;

namespace Orion.Cli;

/// <summary>
/// A spec file's <c>deployment:</c> section, read by <c>orion deploy</c>: how many replicas, how they scale, how they roll
/// out, so a pipeline keeps a whole deployment in one file (<c>orion deploy chat -f chat.yaml</c>). A flag given as well
/// replaces its key.
/// </summary>
public sealed class DeploymentFile
{
    /// <summary>How many replicas to keep (where a self-scaling deployment starts).</summary>
    public int? Replicas { get; set; }

    /// <summary>Scaling by demand: <c>{min: 2, max: 8, target-busy: 70}</c> or <c>{max: 8, metric: "vllm:num_requests_waiting", target: 5, at: ":8000"}</c>.</summary>
    public AutoscaleFile? Autoscale { get; set; }

    /// <summary>The rollout strategy and disruption budget: <c>{max-surge: 1, max-unavailable: 0, disruption-budget: 25%, min-ready: 30s, progress-deadline: 10m, rollback-on-failure: true}</c>.</summary>
    public StrategyFile? Strategy { get; set; }

    /// <summary>Fields set here replace those of <paramref name="baseFile"/> (flags over a file).</summary>
    public DeploymentFile Over(DeploymentFile? baseFile) => new()
    {
        Replicas = Replicas ?? baseFile?.Replicas,
        Autoscale = Autoscale is null ? baseFile?.Autoscale : Autoscale.Over(baseFile?.Autoscale),
        Strategy = Strategy is null ? baseFile?.Strategy : Strategy.Over(baseFile?.Strategy),
    };

    /// <summary>The replica count (1 when not given), the autoscaling and the strategy it says; null for those not given.</summary>
    /// <exception cref="CliException">A key is given without the one it goes with, or is not of its form (the pool's rules are the validator's).</exception>
    public (int Replicas, AutoscaleSpec? Autoscale, DeploymentStrategy? Strategy) Build() =>
        (Replicas ?? 1, Autoscale?.Build(), Strategy?.Build());
}
