using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>What a deployment may be, and how its replicas are named, marked and replaced.</summary>
public static class DeploymentRules
{
    /// <summary>The longest name: its replicas' ids add <c>.SERIAL</c>, and it is a label value on each.</summary>
    public const int MaxNameLength = 50;

    /// <summary>The most replicas one deployment keeps.</summary>
    public const int MaxReplicas = 1000;

    /// <summary>The rule for a name, as errors say it.</summary>
    public const string NameRule = "must be 1 to 50 characters of letters, digits, '-', '_' or '.', starting with a letter or digit";

    /// <summary>The task label every replica carries, valued with its deployment's name (<c>orion ls --label orion/deployment=NAME</c>).</summary>
    public const string DeploymentLabel = "orion/deployment";

    /// <summary>The task label every replica carries, valued with the revision it runs.</summary>
    public const string RevisionLabel = "orion/revision";

    /// <summary>How long a replica must run for its ending not to count as a failure in a row (as Kubernetes' crash-loop reset).</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromMinutes(10);

    /// <summary>The wait before the first replacement after a failure.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between replacements while replicas keep failing.</summary>
    public static readonly TimeSpan LongestBackoff = TimeSpan.FromMinutes(5);

    /// <summary>Whether <paramref name="name"/> keeps <see cref="NameRule"/>.</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Each broken rule of a deployment named <paramref name="name"/> of <paramref name="replicas"/> replicas of <paramref name="template"/>.</summary>
    public static ImmutableArray<ValidationError> Validate(string name, TaskSpec? template, int replicas)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (!IsValidName(name))
        {
            errors.Add(new("name", NameRule));
        }

        errors.AddRange(CheckReplicas(replicas));
        if (template is null)
        {
            errors.Add(new("template", "is required"));
            return errors.ToImmutable();
        }

        errors.AddRange(SpecValidator.Validate(template).Select(e => e with { Field = "template." + e.Field }));
        if (template.Gang is not null)
        {
            errors.Add(new("template.gang", "must be null: a deployment's replicas are placed one by one (submit a gang as a gang)"));
        }

        if (template.Schedule is not null)
        {
            errors.Add(new("template.schedule", "must be null: a deployment keeps its replicas live at all times"));
        }

        if (template.IdleTimeout is not null)
        {
            errors.Add(new("template.idleTimeout", "must be null: a deployment replaces a replica that ends (scale it down, or let it scale itself)"));
        }

        if (template.After is { Count: > 0 })
        {
            errors.Add(new("template.after", "must be empty: a replica does not wait for other tasks"));
        }

        if (template.Constraints?.FailIfUnplaceable == true)
        {
            errors.Add(new("template.constraints.failIfUnplaceable", "must be false: a replica waits for room, it is not given up"));
        }

        if (template.Labels is { } labels)
        {
            if (labels.Keys.FirstOrDefault(k => k.StartsWith("orion/", StringComparison.Ordinal)) is { } reserved)
            {
                errors.Add(new($"template.labels[{reserved}]", $"key must not start with 'orion/': {DeploymentLabel} and {RevisionLabel} are set on each replica"));
            }

            if (labels.Count > NodeLabels.MaxCount - 2)
            {
                errors.Add(new("template.labels", $"must have at most {NodeLabels.MaxCount - 2} labels (each replica also carries {DeploymentLabel} and {RevisionLabel})"));
            }
        }

        return errors.ToImmutable();
    }

    /// <summary>Each broken rule of <paramref name="autoscale"/> for a deployment of <paramref name="template"/> (none when it is null).</summary>
    public static ImmutableArray<ValidationError> CheckAutoscale(AutoscaleSpec? autoscale, TaskSpec? template)
    {
        if (autoscale is null)
        {
            return [];
        }

        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (autoscale.Min is < 1 or > MaxReplicas)
        {
            errors.Add(new("autoscale.min", $"must be 1 to {MaxReplicas} (a deployment with no replica has no demand to read)"));
        }

        if (autoscale.Max < autoscale.Min || autoscale.Max > MaxReplicas)
        {
            errors.Add(new("autoscale.max", $"must be from autoscale.min to {MaxReplicas}"));
        }

        if (autoscale.TargetBusyPercent is < 1 or > 100)
        {
            errors.Add(new("autoscale.targetBusyPercent", "must be 1 to 100"));
        }

        errors.AddRange(autoscale.Metric?.Check("autoscale.metric") ?? []);

        // Busy time is signalled by online tasks only; a metric is read of any replica.
        if (autoscale.Metric is null && template?.Priority is { } priority && priority.Class != PriorityClass.Online)
        {
            errors.Add(new("template.priority", "must be of the Online class to autoscale by busy time: only online tasks signal their demand (or scale on a metric)"));
        }

        return errors.ToImmutable();
    }

    /// <summary>Failures in a row of a new revision's replicas after which its rollout counts as failed (a crash loop).</summary>
    public const int RolloutFailures = 3;

    /// <summary>The shortest <see cref="DeploymentStrategy.ProgressDeadline"/> but none: a rollout steps at its deployment's looks.</summary>
    public static readonly TimeSpan MinProgressDeadline = TimeSpan.FromMinutes(1);

    /// <summary>The longest <see cref="DeploymentStrategy.MinReady"/> and <see cref="DeploymentStrategy.ProgressDeadline"/>.</summary>
    public static readonly TimeSpan MaxMinReady = TimeSpan.FromDays(1);

    /// <summary>Each broken rule of <paramref name="strategy"/> (none when it is null: the default).</summary>
    public static ImmutableArray<ValidationError> CheckStrategy(DeploymentStrategy? strategy)
    {
        if (strategy is null)
        {
            return [];
        }

        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (!Within(strategy.MaxSurge, 0))
        {
            errors.Add(new("strategy.maxSurge", $"must be 0 to {MaxReplicas}, or 0% to 100%"));
        }

        if (!Within(strategy.MaxUnavailable, 0))
        {
            errors.Add(new("strategy.maxUnavailable", $"must be 0 to {MaxReplicas}, or 0% to 100%"));
        }
        else if (strategy is { MaxSurge.Value: 0, MaxUnavailable.Value: 0 })
        {
            errors.Add(new("strategy.maxUnavailable", "must be above 0 when strategy.maxSurge is 0: a rollout could neither add a replica nor take one away"));
        }

        if (!Within(strategy.DisruptionBudget, 1))
        {
            errors.Add(new("strategy.disruptionBudget", $"must be 1 to {MaxReplicas}, or 1% to 100% (0 would hold every drain of its nodes until forced)"));
        }

        if (strategy.MinReady < TimeSpan.Zero || strategy.MinReady > MaxMinReady)
        {
            errors.Add(new("strategy.minReady", "must be 0 to 1 day"));
        }
        else if (strategy is { RollBackOnFailure: true, MinReady.Ticks: 0 })
        {
            errors.Add(new("strategy.minReady", "must be above 0 with strategy.rollBackOnFailure: else a replica that crashes soon after it starts counts as rolled out"));
        }

        if (strategy.ProgressDeadline != TimeSpan.Zero
            && (strategy.ProgressDeadline < MinProgressDeadline || strategy.ProgressDeadline > MaxMinReady || strategy.ProgressDeadline <= strategy.MinReady))
        {
            errors.Add(new("strategy.progressDeadline", "must be 0 (none) or 1 minute to 1 day, and above strategy.minReady"));
        }

        return errors.ToImmutable();

        static bool Within(ReplicaCount n, int least) => n.Value >= least && n.Value <= (n.Percent ? 100 : MaxReplicas);
    }

    /// <summary>The broken rule of a replica count, if any.</summary>
    public static ImmutableArray<ValidationError> CheckReplicas(int replicas) =>
        replicas is < 0 or > MaxReplicas ? [new("replicas", $"must be 0 to {MaxReplicas}")] : [];

    /// <summary>The id of a deployment's replica of <paramref name="serial"/> (1, 2, ... over its life).</summary>
    public static string ReplicaId(string name, long serial) => $"{name}.{serial}";

    /// <summary>
    /// What a replica of <paramref name="revision"/> runs: the template, marked with the deployment and revision, and, when
    /// the template spreads nothing, kept on different nodes where it can be (a preferred spread group named after the
    /// deployment), so one machine's loss takes few replicas.
    /// </summary>
    public static TaskSpec ReplicaSpec(string name, TaskSpec template, int revision)
    {
        var labels = (template.Labels ?? ImmutableDictionary<string, string>.Empty)
            .SetItem(DeploymentLabel, name)
            .SetItem(RevisionLabel, revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var constraints = template.Constraints ?? PlacementConstraints.None;
        return template with
        {
            Labels = labels,
            Constraints = constraints.Spread is null ? constraints with { Spread = new SpreadSpec(name, 1, Preferred: true) } : constraints,
        };
    }

    /// <summary>The wait before the next replacement after <paramref name="failuresInRow"/> failures in a row: doubling from <see cref="FirstBackoff"/>, at most <see cref="LongestBackoff"/>.</summary>
    public static TimeSpan Backoff(int failuresInRow) => DoublingBackoff.After(FirstBackoff, LongestBackoff, failuresInRow);
}
