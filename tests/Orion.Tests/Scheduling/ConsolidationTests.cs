using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.NodeAccounts;

namespace Orion.Tests.Scheduling;

public sealed class ConsolidationTests
{
    private static readonly HashSet<string> NoneBusy = [];
    private static readonly TaskPriority Offline = new(PriorityClass.Offline);

    private static PlacementRequest Wants(int milli, int gpus = 1, long cpuMilli = 1000) =>
        new(gpus, gpus > 1 ? 1000 : milli, gpus > 1 ? 0 : milli * 80L, cpuMilli, 1024, []);

    private static ClusterView ViewOf(IEnumerable<NodeSnapshot> nodes)
    {
        var view = new ClusterView();
        foreach (var node in nodes)
        {
            view.Upsert(NodeView.FromSnapshot(node));
        }

        return view;
    }

    /// <summary>Plans with every running task's request known as <paramref name="requests"/> gives it (by id).</summary>
    private static (IReadOnlyList<MovePlan> Plans, HashSet<string> Unknown, ClusterView View) Plan(
        NodeSnapshot[] nodes, IReadOnlyDictionary<string, PlacementRequest> requests,
        IReadOnlyList<(string TaskId, PlacementRequest Request, TaskPriority Priority)> waiting, IReadOnlySet<string>? busy = null)
    {
        var view = ViewOf(nodes);
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        var plans = Consolidation.Plan(PlacementPolicies.Create("best-fit"), view, nodes, waiting, (id, _) => requests.GetValueOrDefault(id), busy ?? NoneBusy, unknown);
        return (plans, unknown, view);
    }

    private static string Describe(MovePlan plan) =>
        $"{plan.ForTaskId}@{plan.NodeId}: {string.Join(", ", plan.Moves.Select(m => $"{m.TaskId}->{m.FitsOn}"))}";

    [Fact]
    public void A_task_that_fits_nowhere_gets_the_node_where_the_fewest_moves_make_room_and_each_moved_task_fits_elsewhere()
    {
        // A whole card is asked for; every card holds some offline work. n0's card is freed by one move, n1's by two;
        // n2 has room for 30% and 40% more on its card but is itself no candidate (its card holds 30%).
        var nodes = new[]
        {
            Node("dc1/n0", 1000, [Slice("a", 300)]),
            Node("dc1/n1", 1000, [Slice("b", 200), Slice("c", 200)]),
            Node("dc1/n2", 1000, [Slice("d", 300)]),
        };
        var requests = new Dictionary<string, PlacementRequest> { ["a"] = Wants(300), ["b"] = Wants(200), ["c"] = Wants(200), ["d"] = Wants(300) };

        var (plans, unknown, _) = Plan(nodes, requests, [("train", Wants(1000), Offline)]);

        // n0 and n2 each need one move of 300; n0 comes first by id. Its task fits beside d on n2 (or b and c on n1).
        var plan = Assert.Single(plans);
        Assert.Equal("train@dc1/n0", $"{plan.ForTaskId}@{plan.NodeId}");
        var move = Assert.Single(plan.Moves);
        Assert.Equal(("a", 1L), (move.TaskId, move.Generation));
        Assert.NotEqual("dc1/n0", move.FitsOn);
        Assert.Empty(unknown);
    }

    [Fact]
    public void Nothing_moves_when_a_moved_task_would_fit_nowhere_else_so_no_placed_task_is_left_without_room()
    {
        // Two nodes, each card 70% used: a whole card needs one of them emptied, and its 70% fits on no other card.
        var nodes = new[] { Node("dc1/n0", 1000, [Slice("a", 700)]), Node("dc1/n1", 1000, [Slice("b", 700)]) };
        var requests = new Dictionary<string, PlacementRequest> { ["a"] = Wants(700), ["b"] = Wants(700) };
        Assert.Empty(Plan(nodes, requests, [("train", Wants(1000), Offline)]).Plans);

        // With a third node of room, one moves there.
        var roomy = nodes.Append(Node("dc1/n2", 0, [Slice("z", 300, PriorityClass.Training)])).ToArray();
        var plan = Assert.Single(Plan(roomy, requests, [("train", Wants(1000), Offline)]).Plans);
        Assert.Equal("train@dc1/n0: a->dc1/n2", Describe(plan));
    }

    [Fact]
    public void Only_offline_work_outside_gangs_that_did_not_ask_to_stay_put_moves_and_for_an_offline_task_none_of_a_higher_level()
    {
        var requests = new Dictionary<string, PlacementRequest>
        {
            ["train"] = Wants(300), ["online"] = Wants(300), ["gang-0"] = Wants(300), ["high"] = Wants(300), ["low"] = Wants(300),
        };
        var spare = Node("dc1/spare", 0, [Slice("x", 600, PriorityClass.Training)]);
        (string TaskId, PlacementRequest Request, TaskPriority Priority)[] Whole(TaskPriority priority) => [("job", Wants(1000), priority)];

        // Training, online and gang work stays, whatever the waiting task's class, and so does work that asked to stay put.
        foreach (var slice in new[]
        {
            Slice("train", 300, PriorityClass.Training), Slice("online", 300, PriorityClass.Online), Slice("gang-0", 300, gang: true), Slice("low", 300) with { StayPut = true },
        })
        {
            Assert.Empty(Plan([Node("dc1/n0", 1000, [slice]), spare], requests, Whole(new TaskPriority(PriorityClass.Online))).Plans);
        }

        // Offline work of a higher level is not moved for an offline task of a lower one; it is for training.
        var nodes = new[] { Node("dc1/n0", 1000, [Slice("high", 300, level: 5)]), spare };
        Assert.Empty(Plan(nodes, requests, Whole(new TaskPriority(PriorityClass.Offline, 2))).Plans);
        Assert.Single(Plan(nodes, requests, Whole(new TaskPriority(PriorityClass.Offline, 5))).Plans);
        Assert.Single(Plan(nodes, requests, Whole(new TaskPriority(PriorityClass.Training))).Plans);
    }

    [Fact]
    public void Room_one_plan_moves_a_task_into_is_not_counted_again_for_the_next_waiting_task()
    {
        // Two nodes each freed by moving 40%; the only other room is one card with 50% free: one plan, not two.
        var nodes = new[]
        {
            Node("dc1/n0", 1000, [Slice("a", 400)]),
            Node("dc1/n1", 1000, [Slice("b", 400)]),
            Node("dc1/n2", 1000, [Slice("c", 500)]),
        };
        var requests = new Dictionary<string, PlacementRequest> { ["a"] = Wants(400), ["b"] = Wants(400), ["c"] = Wants(500) };

        var (plans, _, view) = Plan(nodes, requests, [("first", Wants(1000), Offline), ("second", Wants(1000), Offline)]);

        Assert.Equal(["first@dc1/n0: a->dc1/n2"], plans.Select(Describe));

        // The view is given back as it was: nothing planned stays applied.
        Assert.Equal([600, 600, 500], view.Nodes.Select(n => n.Gpus[0].ComputeFree));
    }

    [Fact]
    public void A_task_whose_request_is_not_known_is_not_moved_and_is_named_to_be_learned()
    {
        var nodes = new[] { Node("dc1/n0", 1000, [Slice("a", 300)]), Node("dc1/n1", 0, [Slice("z", 500, PriorityClass.Training)]) };

        var (plans, unknown, _) = Plan(nodes, new Dictionary<string, PlacementRequest>(), [("train", Wants(1000), Offline)]);

        Assert.Empty(plans);
        Assert.Equal(["a"], unknown);
    }

    [Fact]
    public void Host_room_counts_what_the_moved_tasks_free_and_busy_nodes_are_neither_moved_from_nor_into()
    {
        // n0's host is full (16 cores held, 12 of them by a); the task wants 8: it fits once a has left.
        var nodes = new[] { Node("dc1/n0", 16_000, [Slice("a", 300)]), Node("dc1/n1", 0, [Slice("z", 500, PriorityClass.Training)]) };
        var requests = new Dictionary<string, PlacementRequest> { ["a"] = Wants(300, cpuMilli: 12_000) };
        Assert.Equal(["train@dc1/n0: a->dc1/n1"], Plan(nodes, requests, [("train", Wants(1000, cpuMilli: 8000), Offline)]).Plans.Select(Describe));

        // a held only 4 cores: 8 more do not fit even once it has left.
        var small = new Dictionary<string, PlacementRequest> { ["a"] = Wants(300, cpuMilli: 4000) };
        Assert.Empty(Plan(nodes, small, [("train", Wants(1000, cpuMilli: 8000), Offline)]).Plans);

        // The only other node busy (its evictions or moves under way): nowhere to move to. The candidate busy: nothing to move.
        Assert.Empty(Plan(nodes, requests, [("train", Wants(1000, cpuMilli: 8000), Offline)], new HashSet<string> { "dc1/n1" }).Plans);
        Assert.Empty(Plan(nodes, requests, [("train", Wants(1000, cpuMilli: 8000), Offline)], new HashSet<string> { "dc1/n0" }).Plans);
    }

    [Fact]
    public void A_task_of_several_cards_gets_a_node_whose_scattered_slices_move_to_other_nodes()
    {
        // Two cards per node, each node with one 25% slice on one card: a two-card task fits nowhere, and it fits n0
        // once its slice has moved beside n1's.
        var nodes = new[]
        {
            Node("dc1/n0", 1000, [Slice("a", 250)], []),
            Node("dc1/n1", 1000, [], [Slice("b", 250)]),
        };
        var requests = new Dictionary<string, PlacementRequest> { ["a"] = Wants(250), ["b"] = Wants(250) };

        var plan = Assert.Single(Plan(nodes, requests, [("ddp", Wants(1000, gpus: 2), new TaskPriority(PriorityClass.Training))]).Plans);

        Assert.Equal("ddp@dc1/n0: a->dc1/n1", Describe(plan));
    }

    private static GangMovePlan? PlanGang(NodeSnapshot[] nodes, IReadOnlyDictionary<string, PlacementRequest> requests, int members, out ClusterView view)
    {
        view = ViewOf(nodes);
        var gang = Enumerable.Range(0, members).Select(i => ($"ddp-{i}", Wants(1000, gpus: 2), new TaskPriority(PriorityClass.Training))).ToList();
        return Consolidation.PlanGang(PlacementPolicies.Create("best-fit"), view, nodes, gang, (id, _) => requests.GetValueOrDefault(id), NoneBusy,
            new HashSet<string>(StringComparer.Ordinal));
    }

    [Fact]
    public void A_gang_gets_as_many_nodes_emptied_as_its_members_need_with_the_moved_tasks_on_the_rest()
    {
        // Three nodes of two cards, each with one 30% task: a gang of two members of two whole cards fits nowhere.
        var nodes = new[]
        {
            Node("dc1/n0", 1000, [Slice("a", 300)], []),
            Node("dc1/n1", 1000, [Slice("b", 300)], []),
            Node("dc1/n2", 1000, [], [Slice("c", 300)]),
        };
        var requests = new Dictionary<string, PlacementRequest> { ["a"] = Wants(300), ["b"] = Wants(300), ["c"] = Wants(300) };

        var plan = PlanGang(nodes, requests, 2, out var view);

        // Two nodes emptied (n0 first by id), their tasks moved onto the third; every member has a node of its own.
        Assert.NotNull(plan);
        Assert.Equal(2, plan.Moves.Length);
        Assert.Equal(plan.Moves.Select(m => m.NodeId).Order(), plan.NodeIds.Order());
        var third = Assert.Single(nodes.Select(n => n.NodeId).Except(plan.NodeIds));
        Assert.All(plan.Moves.SelectMany(m => m.Moves), m => Assert.Equal(third, m.FitsOn));
        Assert.Equal(["ddp-0", "ddp-1"], plan.Moves.Select(m => m.ForTaskId).Order());
        Assert.Equal([700, 1000, 700, 1000, 1000, 700], view.Nodes.SelectMany(n => n.Gpus.Select(g => g.ComputeFree)));
    }

    [Fact]
    public void A_gang_member_that_fits_now_takes_its_room_and_only_the_rest_have_room_made()
    {
        // n0 is empty: one member fits there now; the other needs n1 or n2 emptied.
        var nodes = new[]
        {
            Node("dc1/n0", 0, [], []),
            Node("dc1/n1", 1000, [Slice("b", 300)], []),
            Node("dc1/n2", 1000, [], [Slice("c", 300)]),
        };
        var requests = new Dictionary<string, PlacementRequest> { ["b"] = Wants(300), ["c"] = Wants(300) };

        var plan = PlanGang(nodes, requests, 2, out _);

        Assert.NotNull(plan);
        var moves = Assert.Single(plan.Moves);
        Assert.Equal(["dc1/n0", moves.NodeId], plan.NodeIds.Order());
        Assert.NotEqual("dc1/n0", Assert.Single(moves.Moves).FitsOn);
    }

    [Fact]
    public void No_moves_for_a_gang_that_would_still_not_fit_whole_or_that_fits_as_it_is()
    {
        // Two nodes, each with a task of 70%: emptying one leaves its task nowhere; a gang of two could never fit anyway.
        var full = new[] { Node("dc1/n0", 1000, [Slice("a", 700)], []), Node("dc1/n1", 1000, [Slice("b", 700)], []) };
        var requests = new Dictionary<string, PlacementRequest> { ["a"] = Wants(700), ["b"] = Wants(700) };
        Assert.Null(PlanGang(full, requests, 2, out var view));
        Assert.Equal([300, 1000, 300, 1000], view.Nodes.SelectMany(n => n.Gpus.Select(g => g.ComputeFree)));

        // A third node of room: one could be emptied, but the gang of three would still lack a node: nothing moves.
        var three = full.Append(Node("dc1/n2", 0, [Slice("z", 100, PriorityClass.Training)], [])).ToArray();
        Assert.Null(PlanGang(three, requests, 3, out _));

        // Two empty nodes: the gang fits as it is, and no move is planned.
        Assert.Null(PlanGang([Node("dc1/n0", 0, [], []), Node("dc1/n1", 0, [], [])], requests, 2, out _));
    }
}
