using System.Globalization;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Why a request is not placed now, node by node: the first rule each node breaks, counted per rule, as in "0 of 3 nodes
/// take it now: holding 1 of its spread group web already (2), too little free CPU for 8,000 milli (1)". Asked for by a
/// person looking at one waiting task, so it costs a pass over the nodes then and nothing while scheduling. Pure.
/// </summary>
public static class PlacementExplanation
{
    /// <summary>The explanation for <paramref name="request"/> against <paramref name="view"/>; <paramref name="held"/> says which nodes are held for a starving task or gang.</summary>
    public static string Explain(ClusterView view, PlacementRequest request, Func<NodeView, bool>? held = null)
    {
        if (view.Nodes.Count == 0)
        {
            return "no node reports to this data centre's scheduler";
        }

        // Ties between counts go to the rule checked first, so the text reads the same every time.
        var counts = new Dictionary<(int Rule, string Text), int>();
        var open = new List<string>();
        foreach (var node in view.Nodes)
        {
            var why = FirstBroken(node, request, held);
            if (why is not { } broken)
            {
                open.Add(node.Id);
                continue;
            }

            counts[broken] = counts.GetValueOrDefault(broken) + 1;
        }

        var total = view.Nodes.Count;
        var reasons = string.Join(", ", counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Rule).Select(c => $"{c.Key.Text} ({c.Value})"));
        if (open.Count > 0)
        {
            var fits = $"{open.Count} of {total} {(total == 1 ? "node" : "nodes")} {(open.Count == 1 ? "takes" : "take")} it now ({string.Join(", ", open.Take(3))}{(open.Count > 3 ? ", …" : "")}): "
                + "it is placed at its scheduler's next round";
            return counts.Count == 0 ? fits : $"{fits}; the rest: {reasons}";
        }

        return $"0 of {total} {(total == 1 ? "node takes" : "nodes take")} it now: {reasons}";
    }

    /// <summary>The first rule the node breaks for the request, said of the node ("cordoned or without a daemon"), or null when it takes it.</summary>
    private static (int Rule, string Text)? FirstBroken(NodeView node, PlacementRequest request, Func<NodeView, bool>? held)
    {
        if (!node.Schedulable)
        {
            return (1, "cordoned or without a daemon");
        }

        if (request.RunsProcess is { } process && process != node.RunsProcesses)
        {
            return (2, process ? "running simulated workloads, not processes" : "running processes (NVIDIA cards), not simulated workloads");
        }

        if (request.DataCenter is { } dc && !string.Equals(node.DataCenter, dc, StringComparison.OrdinalIgnoreCase))
        {
            return (3, $"outside data centre {dc}");
        }

        if (!Feasibility.LabelsMatch(node, request))
        {
            return (4, request.NodeSelector is { } selector && !NodeLabels.Match(node.Labels, selector)
                ? $"without the labels {string.Join(", ", selector.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))}"
                : $"not meeting its node affinity {string.Join(", ", request.Affinity!.Where(a => !a.Matches(node.Labels)))}");
        }

        if (!Feasibility.Tolerated(node, request))
        {
            return (5, $"tainted {string.Join(", ", NodeTaints.NotTolerated(node.Taints, request.Tolerations))}, which it does not tolerate");
        }

        if (request.At is { } at && MaintenanceCalendar.Blocking(node.Maintenance, at, request.RunsFor) is { } window)
        {
            return (6, at >= window.Start
                ? $"in maintenance until {MaintenanceWindow.Format(window.End)}"
                : $"going into maintenance at {MaintenanceWindow.Format(window.Start)}, which its run {(request.RunsFor is { } limit ? $"of up to {Durations.Format(limit)}" : "without a max runtime")} would reach");
        }

        if (held?.Invoke(node) == true)
        {
            return (7, "held for a task or gang waiting past the starvation limit");
        }

        // A preferred group never keeps a task off a node (it goes where the group is thinnest).
        if (request.Spread is { Preferred: false } spread && !spread.Allows(node))
        {
            return (8, spread.TopologyKey is { } key
                ? node.Labels?.GetValueOrDefault(key) is { } value
                    ? $"in {key}={value}, which holds {spread.MaxPerDomain} of its spread group {spread.Group} already"
                    : $"without a {key} label, over which its spread group {spread.Group} is spread"
                : $"holding {spread.MaxPerDomain} of its spread group {spread.Group} already");
        }

        if (node.CpuFree < request.CpuMilli)
        {
            return (9, $"too little free CPU for {N(request.CpuMilli)} milli");
        }

        if (node.MemoryFree < request.HostMemoryMiB)
        {
            return (10, $"too little free host memory for {N(request.HostMemoryMiB)} MiB");
        }

        if (request.GpuCount == 0)
        {
            return null;
        }

        if (node.Gpus.Length < request.GpuCount)
        {
            return (11, $"fewer than {request.GpuCount} cards");
        }

        var models = 0;
        foreach (var g in node.Gpus)
        {
            models += request.AllowsModel(g.Model) ? 1 : 0;
        }

        if (models < request.GpuCount)
        {
            return (12, request.GpuCount == 1
                ? $"no card of model {string.Join(" or ", request.GpuModels)}"
                : $"fewer than {request.GpuCount} cards of model {string.Join(" or ", request.GpuModels)}");
        }

        if (Feasibility.FittingGpuCount(node, request) >= request.GpuCount)
        {
            return null;
        }

        return (13, request.IsExclusive
            ? $"fewer than {request.GpuCount} idle cards"
            : $"no card with room for {N(request.ComputeMilli / 10.0)}% compute and {(request.GpuMemoryMiB == 0 ? "all its memory" : $"{N(request.GpuMemoryMiB)} MiB")}{(request.Online ? " beside other online work" : "")}");
    }

    private static string N(double value) => value.ToString("#,0.#", CultureInfo.InvariantCulture);
}
