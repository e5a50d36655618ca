using Orion.Contracts;

namespace Orion.Grains.Deployments;

/// <summary>A deployment grain's persisted state; no template means no deployment.</summary>
[GenerateSerializer, Alias("orion.DeploymentRecord")]
public sealed class DeploymentRecord
{
    [Id(0)]
    public TaskSpec? Template { get; set; }

    [Id(1)]
    public int Replicas { get; set; }

    [Id(2)]
    public int Revision { get; set; }

    /// <summary>The last replica serial used: each new replica takes the next, so no id is used twice.</summary>
    [Id(3)]
    public long Serial { get; set; }

    /// <summary>The live replicas, oldest first, as last read.</summary>
    [Id(4)]
    public List<DeploymentReplica> Tasks { get; set; } = [];

    [Id(5)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(6)]
    public DateTimeOffset UpdatedAt { get; set; }

    [Id(7)]
    public int FailuresInRow { get; set; }

    [Id(8)]
    public DateTimeOffset? ReplaceAfter { get; set; }

    [Id(9)]
    public string? LastFailure { get; set; }

    [Id(10)]
    public AutoscaleSpec? Autoscale { get; set; }

    /// <summary>The template of the revision before the current one, for a roll back; null before a second revision.</summary>
    [Id(12)]
    public TaskSpec? PreviousTemplate { get; set; }

    /// <summary>The revisions kept for roll backs, oldest first, the current one last (<see cref="RevisionHistory"/>).</summary>
    [Id(13)]
    public List<DeploymentRevision> History { get; set; } = [];

    /// <summary>Its rollout is paused: replicas of an earlier revision stay beside the current one's until resumed.</summary>
    [Id(14)]
    public bool Paused { get; set; }

    /// <summary>How it rolls out and how many replicas drains may move at once; null: <see cref="DeploymentStrategy.Default"/>.</summary>
    [Id(15)]
    public DeploymentStrategy? Strategy { get; set; }

    /// <summary>When the rollout under way began (its new revision applied over live replicas); null when none is.</summary>
    [Id(16)]
    public DateTimeOffset? RolloutSince { get; set; }

    /// <summary>The current revision is a roll back the deployment made by itself (<see cref="DeploymentStrategy.RollBackOnFailure"/>).</summary>
    [Id(17)]
    public bool AutoRolledBack { get; set; }

    /// <summary>The last revision whose replicas were all rolled out and serving (0: none yet): where a failed rollout goes back to.</summary>
    [Id(18)]
    public int LastRolledOut { get; set; }

    /// <summary>During a rollout: when it last made progress (pool clock); null before its first look.</summary>
    [Id(19)]
    public DateTimeOffset? ProgressAt { get; set; }

    /// <summary>During a rollout: the most it has come to (new replicas serving less old ones live) at any look.</summary>
    [Id(20)]
    public int ProgressMark { get; set; }

    /// <summary>The rollout went past its strategy's progress deadline (said once); cleared by a new revision.</summary>
    [Id(21)]
    public bool Stalled { get; set; }

    /// <summary>While the current revision is a roll back the deployment made by itself: why (cleared by the next revision).</summary>
    [Id(22)]
    public string? RolledBack { get; set; }

    // Beside the fields, so that a field added is copied and compared too.

    /// <summary>A copy to put back when a write fails (the replica list copied; everything else is immutable).</summary>
    public DeploymentRecord Clone() => new()
    {
        Template = Template, Replicas = Replicas, Revision = Revision, Serial = Serial, Tasks = [.. Tasks],
        CreatedAt = CreatedAt, UpdatedAt = UpdatedAt, FailuresInRow = FailuresInRow, ReplaceAfter = ReplaceAfter, LastFailure = LastFailure,
        Autoscale = Autoscale, PreviousTemplate = PreviousTemplate, History = [.. History], Paused = Paused, Strategy = Strategy,
        RolloutSince = RolloutSince, AutoRolledBack = AutoRolledBack, LastRolledOut = LastRolledOut,
        ProgressAt = ProgressAt, ProgressMark = ProgressMark, Stalled = Stalled, RolledBack = RolledBack,
    };

    /// <summary>Whether <paramref name="other"/> holds the same, so a look that changed nothing writes nothing.</summary>
    public bool SameAs(DeploymentRecord other) =>
        Template == other.Template && Replicas == other.Replicas && Revision == other.Revision && Serial == other.Serial && Tasks.SequenceEqual(other.Tasks)
        && CreatedAt == other.CreatedAt && UpdatedAt == other.UpdatedAt && FailuresInRow == other.FailuresInRow && ReplaceAfter == other.ReplaceAfter
        && LastFailure == other.LastFailure && Autoscale == other.Autoscale && PreviousTemplate == other.PreviousTemplate
        && History.SequenceEqual(other.History) && Paused == other.Paused && Strategy == other.Strategy
        && RolloutSince == other.RolloutSince && AutoRolledBack == other.AutoRolledBack && LastRolledOut == other.LastRolledOut
        && ProgressAt == other.ProgressAt && ProgressMark == other.ProgressMark && Stalled == other.Stalled && RolledBack == other.RolledBack;
}
