using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Which running offline tasks to move so that a waiting task, which fits nowhere only because the free room is scattered,
/// fits (defragmentation, as Run:ai's consolidation or Kubernetes' descheduler): per waiting task in queue order, the node
/// where the fewest moves (then the least compute moved, then the node's id) make room for it, and only when every task
/// moved fits on another node now, so no task placed is left without room. Movable: offline work, never a gang's member
/// nor one that asked to stay put, and for an offline waiting task none of a higher level. Each node once per decision,
/// and none a plan moves tasks into is made room on; room the moved tasks are planned into is not counted twice. Pure:
/// the view is given back as it was.
/// </summary>
public static class Consolidation
{
    /// <summary>Candidate nodes looked at per waiting task, fewest moves first, so a large pool costs a round little.</summary>
    public const int CandidatesPerTask = 8;

    /// <summary>
    /// The moves for <paramref name="waiting"/> on the nodes <paramref name="accounts"/> describe (their newest snapshots;
    /// those <paramref name="view"/> lacks or holds unschedulable, and <paramref name="busy"/> ones, are not moved from nor
    /// into). <paramref name="requestOf"/> gives a running task's request by id and generation; a candidate whose tasks'
    /// requests are not known is passed over and those tasks are added to <paramref name="unknown"/>, to be learned for a
    /// later decision. <paramref name="domainAllows"/> says whether a node's spread domain has room for the request's group.
    /// </summary>
    public static ImmutableArray<MovePlan> Plan(
        IPlacementPolicy policy, ClusterView view, IEnumerable<NodeSnapshot> accounts,
        IReadOnlyList<(string TaskId, PlacementRequest Request, TaskPriority Priority)> waiting,
        Func<string, long, PlacementRequest?> requestOf, IReadOnlySet<string> busy, ISet<string> unknown,
        Func<string, PlacementRequest, bool>? domainAllows = null)
    {
        using var planner = new Planner(policy, view, accounts, requestOf, busy, unknown, domainAllows);
        var plans = ImmutableArray.CreateBuilder<MovePlan>();
        foreach (var (taskId, request, priority) in waiting)
        {
            if (planner.MakeRoom(taskId, request, priority) is { } plan)
            {
                plans.Add(plan);
            }
        }

        return plans.ToImmutable();
    }

    /// <summary>
    /// The moves that let a gang's members all fit at once, largest member first: each where it fits now, else on the node
    /// where the fewest moves make room for it (as <see cref="Plan"/>; no member on a node emptied for another); null, and
    /// nothing, when some member fits nowhere even so, or needs no move at all (the gang fits as it is).
    /// </summary>
    public static GangMovePlan? PlanGang(
        IPlacementPolicy policy, ClusterView view, IEnumerable<NodeSnapshot> accounts,
        IReadOnlyList<(string TaskId, PlacementRequest Request, TaskPriority Priority)> members,
        Func<string, long, PlacementRequest?> requestOf, IReadOnlySet<string> busy, ISet<string> unknown,
        Func<string, PlacementRequest, bool>? domainAllows = null)
    {
        using var planner = new Planner(policy, view, accounts, requestOf, busy, unknown, domainAllows);
        var plans = ImmutableArray.CreateBuilder<MovePlan>();
        var nodes = new List<string>();
        foreach (var (taskId, request, priority) in members.OrderByDescending(m => m.Request.GpuCount).ThenByDescending(m => m.Request.TotalGpuMilli))
        {
            if (planner.PlaceNow(request) is { } now)
            {
                nodes.Add(now);
            }
            else if (planner.MakeRoom(taskId, request, priority) is { } plan)
            {
                plans.Add(plan);
                nodes.Add(plan.NodeId);
            }
            else
            {
                return null;
            }
        }

        return plans.Count == 0 ? null : new GangMovePlan(plans.ToImmutable(), [.. nodes.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// One decision's state: the view with the planned room applied (given back on dispose), the nodes closed to what is
    /// planned after (busy ones, those being emptied), and the candidates left.
    /// </summary>
    private sealed class Planner(
        IPlacementPolicy policy, ClusterView view, IEnumerable<NodeSnapshot> accounts, Func<string, long, PlacementRequest?> requestOf,
        IReadOnlySet<string> busy, ISet<string> unknown, Func<string, PlacementRequest, bool>? domainAllows) : IDisposable
    {
        private readonly List<NodeSnapshot> open = [.. accounts.Where(a => a.Schedulable && !busy.Contains(a.NodeId) && view.Find(a.NodeId) is { Schedulable: true })
            .OrderBy(a => a.NodeId, StringComparer.Ordinal)];

        private readonly List<NodeView> closed = [.. busy.Select(view.Find).OfType<NodeView>()];
        private readonly List<(PlacementChoice Choice, PlacementRequest Request)> kept = [];

        /// <summary>Places <paramref name="request"/> where it fits now, off the closed nodes (kept applied); its node, or null.</summary>
        public string? PlaceNow(PlacementRequest request)
        {
            PlacementChoice? choice;
            using (StarvationGuard.Close(closed))
            {
                choice = policy.Choose(view, request);
            }

            if (choice is null)
            {
                return null;
            }

            ClusterView.Apply(choice, request);
            kept.Add((choice, request));
            Taken(choice.Node.Id);
            return choice.Node.Id;
        }

        /// <summary>The moves that make room for <paramref name="request"/> on one node, the moved tasks' room kept applied; or null.</summary>
        public MovePlan? MakeRoom(string taskId, PlacementRequest request, TaskPriority priority)
        {
            foreach (var (node, victims) in Candidates(open, request, priority, domainAllows))
            {
                var requests = victims.Select(v => requestOf(v.TaskId, v.Generation)).ToList();
                if (requests.Contains(null))
                {
                    foreach (var v in victims.Where((_, i) => requests[i] is null))
                    {
                        unknown.Add(v.TaskId);
                    }

                    continue;
                }

                if (!FitsAfter(node, victims, requests!, request)
                    || Relocate(policy, view, [.. closed, view.Find(node.NodeId)!], requests!) is not { } choices)
                {
                    continue;
                }

                kept.AddRange(choices.Select((c, i) => (c, requests[i]!)));
                closed.Add(view.Find(node.NodeId)!);
                Taken(node.NodeId);
                foreach (var c in choices)
                {
                    Taken(c.Node.Id);
                }

                return new MovePlan(taskId, node.NodeId, [.. victims.Select((v, i) => new MovedTask(v.TaskId, v.Generation, choices[i].Node.Id))]);
            }

            return null;
        }

        // A node something is planned onto is no candidate any more: its account does not show what the plan put there.
        private void Taken(string nodeId) => open.RemoveAll(n => n.NodeId == nodeId);

        public void Dispose()
        {
            // In reverse, so each node object is the one its decision was applied to.
            for (var k = kept.Count - 1; k >= 0; k--)
            {
                PlacementRound.Undo(view, kept[k].Choice, kept[k].Request);
            }
        }
    }

    /// <summary>Whether the running task's slice <paramref name="slice"/> may be moved for a waiting task of <paramref name="priority"/>.</summary>
    public static bool Movable(GpuSlice slice, TaskPriority priority)
    {
        var own = slice.Priority ?? new TaskPriority(PriorityClass.Offline);
        return own.Class == PriorityClass.Offline && !slice.Gang && !slice.StayPut && (priority.Class > PriorityClass.Offline || own.Level <= priority.Level);
    }

    /// <summary>
    /// Nodes where moving movable tasks off would make card room for <paramref name="request"/>, with those tasks: fewest
    /// moves, then least compute moved, then by id; at most <see cref="CandidatesPerTask"/>. Host room is checked once the
    /// moved tasks' requests are known (<see cref="FitsAfter"/>).
    /// </summary>
    private static IEnumerable<(NodeSnapshot Node, ImmutableArray<(string TaskId, long Generation)> Victims)> Candidates(
        List<NodeSnapshot> open, PlacementRequest request, TaskPriority priority, Func<string, PlacementRequest, bool>? domainAllows)
    {
        var cardsOnly = request with { CpuMilli = 0, HostMemoryMiB = 0 };
        return open
            .Where(n => domainAllows?.Invoke(n.NodeId, request) != false)
            .Select(n => (Node: n, Victims: PriorityPreemption.Victims(n, cardsOnly, s => Movable(s, priority))))
            .Where(c => c.Victims is not null)
            .Select(c => (c.Node, Victims: c.Victims!.Value, Compute: FewestEvictions.ComputeOf(c.Node, c.Victims!.Value.Select(v => v.TaskId))))
            .OrderBy(c => c.Victims.Length).ThenBy(c => c.Compute).ThenBy(c => c.Node.NodeId, StringComparer.Ordinal)
            .Take(CandidatesPerTask)
            .Select(c => (c.Node, c.Victims));
    }

    /// <summary>Whether <paramref name="node"/> takes <paramref name="request"/> once <paramref name="victims"/> have left it: their slices, host CPU and memory.</summary>
    private static bool FitsAfter(
        NodeSnapshot node, ImmutableArray<(string TaskId, long Generation)> victims, List<PlacementRequest?> requests, PlacementRequest request)
    {
        var gone = victims.Select(v => v.TaskId).ToHashSet(StringComparer.Ordinal);
        var after = node with
        {
            CpuAllocatedMilli = node.CpuAllocatedMilli - requests.Sum(r => r!.CpuMilli),
            MemoryAllocatedMiB = node.MemoryAllocatedMiB - requests.Sum(r => r!.HostMemoryMiB),
            Gpus = [.. node.Gpus.Select(g => g.Slices.Any(s => gone.Contains(s.TaskId)) ? g with { Slices = [.. g.Slices.Where(s => !gone.Contains(s.TaskId))] } : g)],
        };
        return Feasibility.NodeFits(NodeView.FromSnapshot(after), request);
    }

    /// <summary>
    /// Places the moved tasks elsewhere in the view, all or none, with <paramref name="closed"/> closed; the choices stay
    /// applied (the caller gives them back), or null with nothing applied.
    /// </summary>
    private static PlacementChoice[]? Relocate(IPlacementPolicy policy, ClusterView view, IEnumerable<NodeView> closed, List<PlacementRequest?> requests)
    {
        using (StarvationGuard.Close(closed))
        {
            return PlacementRound.DecideAll(policy, view, [.. requests.Select(r => r!)]);
        }
    }
}
