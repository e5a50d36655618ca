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
}
