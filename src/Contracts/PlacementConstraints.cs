using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>Where a task may run.</summary>
/// <param name="GpuModels">GPU models the task accepts; empty means any.</param>
/// <param name="DataCenter">The data centre the task must run in; null means any.</param>
/// <param name="FailIfUnplaceable">
/// Fail the task at once when nothing in the pool can take it now, instead of queueing it until capacity frees
/// (for callers that retry elsewhere, and for trace replays whose protocol has no retries). Not with a schedule.
/// </param>
/// <param name="PreferredDataCenter">
/// The data centre to run in when it has room; when it is full the task spills over to any other (ignored when
/// <paramref name="DataCenter"/> pins one).
/// </param>
/// <param name="NodeSelector">Labels a node must have, each with its value (<see cref="NodeLabels"/>); null or empty for any node.</param>
/// <param name="Tolerations">
/// Taints of nodes the task may run on (<see cref="NodeTaints"/>), each <c>key=value</c> or <c>key</c> for any value; a node
/// with a taint the task does not tolerate takes none of it. Null or empty: only untainted nodes.
/// </param>
/// <param name="NodeAffinity">
/// Rules over a node's labels that it must all meet, as set-based label selectors (<see cref="NodeRequirement"/>):
/// <c>zone in (a, b)</c>, <c>gpu-tier notin (old)</c>, <c>fabric</c>, <c>!flaky</c>. Null or empty: any node. With
/// <paramref name="NodeSelector"/>, both hold.
/// </param>
/// <param name="PreferredNodeAffinity">
/// Rules over a node's labels the task would rather have, in the same syntax, earlier ones weighing more: it goes to a
/// node meeting them all when one has room, else all but the last, and so on, else any node its other constraints allow.
/// </param>
/// <param name="Spread">
/// Keeps the task apart from its tenant's other tasks of the same group, such as the replicas of one service: at most
/// so many of the group on a node. Null for none.
/// </param>
[GenerateSerializer, Alias("orion.PlacementConstraints"), Immutable]
public sealed record PlacementConstraints(
    [property: Id(0)] ImmutableArray<string> GpuModels,
    [property: Id(1)] string? DataCenter = null,
    [property: Id(2)] bool FailIfUnplaceable = false,
    [property: Id(3)] string? PreferredDataCenter = null,
    [property: Id(4)] SpreadSpec? Spread = null,
    [property: Id(5)] ImmutableDictionary<string, string>? NodeSelector = null,
    [property: Id(6)] ImmutableList<string>? Tolerations = null,
    [property: Id(7)] ImmutableList<string>? NodeAffinity = null,
    [property: Id(8)] ImmutableList<string>? PreferredNodeAffinity = null)
{
    /// <summary>No constraint: any model, any data centre.</summary>
    public static PlacementConstraints None { get; } = new(ImmutableArray<string>.Empty);

    /// <summary>Only these GPU models.</summary>
    public static PlacementConstraints Models(params string[] models) => new([.. models]);

    /// <summary>
    /// No constraint but a spread group: at most <paramref name="maxPerDomain"/> of the tenant's tasks of <paramref name="group"/>
    /// on a node, or with <paramref name="topologyKey"/> among the nodes sharing a value of that label; when
    /// <paramref name="preferred"/>, beyond that where the group is thinnest rather than waiting.
    /// </summary>
    public static PlacementConstraints SpreadOver(string group, int maxPerDomain = 1, bool preferred = false, string? topologyKey = null) =>
        None with { Spread = new SpreadSpec(group, maxPerDomain, preferred, topologyKey) };
}
