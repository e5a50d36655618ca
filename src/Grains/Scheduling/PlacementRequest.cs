using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// What placement needs to know of a task. One GPU is a slice (compute and memory on one card, which may
/// be shared); several GPUs are whole cards on one node, held exclusively.
/// </summary>
/// <param name="GpuCount">Cards wanted (0 = CPU only).</param>
/// <param name="ComputeMilli">Compute per card in thousandths of a card.</param>
/// <param name="GpuMemoryMiB">Memory per card; 0 = the whole card's memory.</param>
/// <param name="CpuMilli">Host CPU.</param>
/// <param name="HostMemoryMiB">Host memory.</param>
/// <param name="GpuModels">Allowed models; empty = any.</param>
/// <param name="DataCenter">Required data centre; null = any.</param>
/// <param name="Swappable">Whether its GPU memory may move to host RAM.</param>
/// <param name="Online">An online task: it preempts other work but never other online work.</param>
/// <param name="AvoidOnlineCards">Only cards that hold no online work (a first try for work that online demand would pause).</param>
/// <param name="Residency">Only cards whose device can hold its memory now (so it runs rather than waits in host RAM), and at whose cost.</param>
/// <param name="PreferredDataCenter">A data centre to try first; any other when it is full.</param>
/// <param name="RunsProcess">A process (true: only nodes that run processes) or a synthetic workload (false: only nodes that
/// do not); null for a shape of the mix, which any node may be scored for.</param>
/// <param name="Spread">The task's spread group: only nodes whose domain holds fewer of it than its most (not part of the shape, so
/// policies check it per node, outside what they cache per node state).</param>
/// <param name="NodeSelector">Labels a node must have (checked per node as the spread group is); null for any node.</param>
/// <param name="Affinity">Rules over a node's labels it must all meet (checked per node too); null for none.</param>
/// <param name="Preferred">Rules over a node's labels it would rather have, earlier ones first (<see cref="AffinityPreferencePolicy"/>); null for none.</param>
/// <param name="Tolerations">Node taints the task tolerates (<see cref="NodeTaints"/>; checked per node too); null for none.</param>
/// <param name="AvoidSoftTaints">Soft taints it does not tolerate keep it off too (<see cref="TaintPreferencePolicy"/>'s first try).</param>
/// <param name="WithinOneLinkGroup">Its cards must be of one link group of their node (<see cref="LinkDomainPolicy"/>'s first try).</param>
/// <param name="At">When it would start, for nodes' maintenance windows (checked per node too); null: windows are not looked at.</param>
/// <param name="RunsFor">The longest its run may take (its max runtime); null for no limit, which reaches every window.</param>
public sealed record PlacementRequest(
    int GpuCount,
    int ComputeMilli,
    long GpuMemoryMiB,
    long CpuMilli,
    long HostMemoryMiB,
    IReadOnlyList<string> GpuModels,
    string? DataCenter = null,
    bool Swappable = true,
    bool Online = false,
    bool AvoidOnlineCards = false,
    string? PreferredDataCenter = null,
    Residency Residency = Residency.Any,
    bool? RunsProcess = null,
    SpreadRule? Spread = null,
    IReadOnlyDictionary<string, string>? NodeSelector = null,
    IReadOnlyList<string>? Tolerations = null,
    IReadOnlyList<NodeRequirement>? Affinity = null,
    IReadOnlyList<NodeRequirement>? Preferred = null,
    bool AvoidSoftTaints = false,
    bool WithinOneLinkGroup = false,
    DateTimeOffset? At = null,
    TimeSpan? RunsFor = null)
{
    /// <summary>True for multi-GPU tasks, which take whole cards exclusively.</summary>
    public bool IsExclusive => GpuCount > 1;

    /// <summary>GPU compute this request takes in total, in thousandths of a card.</summary>
    public long TotalGpuMilli => GpuCount == 1 ? ComputeMilli : GpuCount * 1000L;

    /// <summary>The request of a task's spec, to start at <paramref name="at"/> (null: maintenance windows are not looked at).</summary>
    public static PlacementRequest From(TaskSpec spec, DateTimeOffset? at = null)
    {
        var r = spec.Resources;
        var models = spec.Constraints.GpuModels.IsDefault ? [] : (IReadOnlyList<string>)spec.Constraints.GpuModels;
        return new PlacementRequest(
            r.GpuCount,
            r.GpuCount == 0 ? 0 : r.GpuCount > 1 ? 1000 : r.ComputeMilli,
            r.GpuCount > 1 ? 0 : r.GpuMemoryMiB,
            r.CpuMilli,
            r.HostMemoryMiB,
            models,
            spec.Constraints.DataCenter,
            r.AllowSwap && !spec.IsOnlineProcess(),
            spec.Priority.Class == PriorityClass.Online,
            PreferredDataCenter: spec.Constraints.DataCenter is null ? spec.Constraints.PreferredDataCenter : null,
            RunsProcess: spec.Workload.Kind == WorkloadKind.Process,
            Spread: spec.Constraints.Spread is { } spread ? new SpreadRule(spec.Tenant, spread.Group, spread.MaxPerDomain, spread.Preferred, spread.TopologyKey) : null,
            NodeSelector: spec.Constraints.NodeSelector is { Count: > 0 } selector ? selector : null,
            Tolerations: spec.Constraints.Tolerations is { Count: > 0 } tolerations ? tolerations : null,
            Affinity: spec.Constraints.NodeAffinity is { Count: > 0 } affinity ? [.. affinity.Select(a => NodeRequirement.Parse(a) ?? Unmet(a))] : null,
            Preferred: spec.Constraints.PreferredNodeAffinity is { Count: > 0 } preferred ? [.. preferred.Select(a => NodeRequirement.Parse(a) ?? Unmet(a))] : null,
            At: at,
            RunsFor: spec.MaxRuntime);
    }

    // A rule that does not read (submissions are checked; this is for anything stored before a rule changed) is met by no node: the task waits, saying why.
    private static NodeRequirement Unmet(string text) => new(text, NodeRequirementOperator.In, []);

    public bool AllowsModel(string model)
    {
        if (GpuModels.Count == 0)
        {
            return true;
        }

        // Indexed: a foreach over the interface allocates an enumerator, and fragment scoring asks this per card and shape.
        for (var i = 0; i < GpuModels.Count; i++)
        {
            if (string.Equals(GpuModels[i], model, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
