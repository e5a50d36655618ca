using System.Runtime.CompilerServices;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>The hard filter every policy shares: what fits where.</summary>
public static class Feasibility
{
    /// <summary>Memory a request takes on a card (0 means the card's whole memory).</summary>
    public static long MemoryNeed(GpuView gpu, PlacementRequest request) =>
        request.GpuMemoryMiB == 0 ? gpu.PhysicalMemory : request.GpuMemoryMiB;

    /// <summary>True when the node's host resources, data centre, state and backend admit the request (cards not checked).</summary>
    public static bool HostFits(NodeView node, PlacementRequest request) =>
        node.Schedulable
        && node.CpuFree >= request.CpuMilli
        && node.MemoryFree >= request.HostMemoryMiB
        && node.Gpus.Length >= request.GpuCount
        && KindAndPlaceFit(node, request);

    /// <summary>True when the node's backend runs the request's kind of work, in the data centre it asks for (if any).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool KindAndPlaceFit(NodeView node, PlacementRequest request) =>
        (request.RunsProcess is not { } process || process == node.RunsProcesses)
        && (request.DataCenter is null || string.Equals(node.DataCenter, request.DataCenter, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when one card could take the request's share of it.</summary>
    public static bool GpuFits(GpuView gpu, PlacementRequest request)
    {
        if (!request.AllowsModel(gpu.Model))
        {
            return false;
        }

        if (request.IsExclusive)
        {
            return gpu.IsIdle;
        }

        var need = MemoryNeed(gpu, request);
        return !gpu.Exclusive
            && gpu.ComputeFree >= request.ComputeMilli
            && (!request.Online || gpu.OnlineCompute + request.ComputeMilli <= 1000)
            && (!request.Online || gpu.OnlineMemory + need <= gpu.PhysicalMemory)
            && (!request.AvoidOnlineCards || gpu.OnlineCompute == 0)
            && ResidencyFits(gpu, request.Residency, need)
            && gpu.MemoryFree >= need
            && (request.GpuMemoryMiB != 0 || gpu.MemoryFree == gpu.MemoryCapacity)
            && (request.Swappable || gpu.PinnedMemory + need <= gpu.PhysicalMemory)
            && SwapFits(gpu, need, request.Swappable);
    }

    private static bool ResidencyFits(GpuView gpu, Residency residency, long need) => residency switch
    {
        Residency.Untouched => gpu.DeviceFree >= need,
        Residency.ReclaimingIdleOnline => gpu.DeviceFreeReclaimingIdleOnline >= need,
        _ => true,
    };

    /// <summary>True when the node's swap budget can hold the card's worst-case host memory after the placement.</summary>
    private static bool SwapFits(GpuView gpu, long need, bool swappable)
    {
        var used = gpu.MemoryCapacity - gpu.MemoryFree;
        var grows = GpuView.HostNeed(used + need, gpu.PinnedMemory + (swappable ? 0 : need), gpu.PhysicalMemory) - gpu.Overflow;
        return grows <= 0 || (gpu.Node is { } node && node.SwapFree >= grows);
    }

    /// <summary>Counts the cards of a node that fit the request.</summary>
    public static int FittingGpuCount(NodeView node, PlacementRequest request)
    {
        var n = 0;
        foreach (var g in node.Gpus)
        {
            if (GpuFits(g, request))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// True when the node holds fewer of the request's spread group than its most (always, without one). Apart from
    /// <see cref="HostFits"/>: nodes in the same state share what policies cache, whatever groups they hold.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SpreadAllows(NodeView node, PlacementRequest request) => request.Spread is not { } spread || spread.Allows(node);

    /// <summary>
    /// True when the node has every label of the request's node selector and meets every rule of its node affinity
    /// (always, without either). Apart from <see cref="HostFits"/> for the same reason.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LabelsMatch(NodeView node, PlacementRequest request) =>
        (request.NodeSelector is null || NodeLabels.Match(node.Labels, request.NodeSelector)) && (request.Affinity is null || Affine(node, request.Affinity));

    private static bool Affine(NodeView node, IReadOnlyList<NodeRequirement> affinity)
    {
        foreach (var rule in affinity)
        {
            if (!rule.Matches(node.Labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the request tolerates every taint of the node (always, on a node without any). Apart from <see cref="HostFits"/> for the same reason.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Tolerated(NodeView node, PlacementRequest request) => node.Taints is null || NodeTaints.Tolerates(node.Taints, request.Tolerations, request.AvoidSoftTaints);

    /// <summary>True when the node's labels and taints admit the request: its node selector, and its tolerations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LabelsAdmit(NodeView node, PlacementRequest request) => LabelsMatch(node, request) && Tolerated(node, request);

    /// <summary>
    /// What a node allows a request beyond its state: its labels and taints, and the request's spread group. Policies check
    /// it per node, outside what they cache per node state (nodes in the same state may have different labels and groups).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NodeAllows(NodeView node, PlacementRequest request) =>
        LabelsAdmit(node, request) && SpreadAllows(node, request) && (!request.WithinOneLinkGroup || WithinOneGroup(node, request)) && MaintenanceAllows(node, request);

    /// <summary>
    /// True unless one of the node's maintenance windows keeps the request off: its notice has begun at the request's
    /// start and the run would reach it (<see cref="MaintenanceCalendar.Blocking"/>). Always for a request without a start.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool MaintenanceAllows(NodeView node, PlacementRequest request) =>
        node.Maintenance.IsDefaultOrEmpty || request.At is not { } at || MaintenanceCalendar.Blocking(node.Maintenance, at, request.RunsFor) is null;

    /// <summary>True when one link group of the node has enough cards that fit the request (always, for one card or an ungrouped node).</summary>
    public static bool WithinOneGroup(NodeView node, PlacementRequest request)
    {
        if (request.GpuCount <= 1 || !node.Grouped)
        {
            return true;
        }

        Span<int> fitting = stackalloc int[node.Gpus.Length];
        foreach (var g in node.Gpus)
        {
            if (GpuFits(g, request) && ++fitting[Math.Clamp(g.LinkDomain, 0, fitting.Length - 1)] >= request.GpuCount)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the node can take the request: host resources, its labels, taints and spread group, and enough fitting cards.</summary>
    public static bool NodeFits(NodeView node, PlacementRequest request) =>
        HostFits(node, request) && NodeAllows(node, request) && (request.GpuCount == 0 || FittingGpuCount(node, request) >= request.GpuCount);
}
