using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.NodeAccounts;

namespace Orion.Tests.Scheduling;

public sealed class PriorityPreemptionTests
{
    private static readonly HashSet<string> NoneBusy = [];

    private static PlacementRequest Wants(int milli, int gpus = 1, long cpuMilli = 1000, bool online = false) =>
        new(gpus, gpus > 1 ? 1000 : milli, gpus > 1 ? 0 : milli * 80L, cpuMilli, 1024, [], Online: online);

    private static string[] Ids(ImmutableArray<(string TaskId, long Generation)>? victims) => [.. victims!.Value.Select(v => v.TaskId).Order()];

    [Fact]
    public void Only_lower_classes_are_evicted_lowest_class_and_level_first_and_none_more_than_needed()
    {
        // Card 0: offline 600 (level 5) and offline 300 (level 0); card 1: training 500 and online 500.
        var node = Node("dc1/n0", 4000,
            [Slice("off-600", 600, level: 5), Slice("off-300", 300)],
            [Slice("train", 500, PriorityClass.Training), Slice("online", 500, PriorityClass.Online)]);

        // Training wanting 500: the offline level 0 goes first, but 300 is not enough; with the 600 the 300 is not needed.
        Assert.Equal(["off-600"], Ids(PriorityPreemption.Victims(node, Wants(500), PriorityClass.Training)));

        // Online wanting a whole card: both offline tasks on card 0 (training, a class below it too, is on the card with online work).
        Assert.Equal(["off-300", "off-600"], Ids(PriorityPreemption.Victims(node, Wants(1000, online: true), PriorityClass.Online)));

        // Work of the same class is never evicted: an offline task waits; a training task cannot take card 1's training room.
        Assert.Null(PriorityPreemption.Victims(node, Wants(500), PriorityClass.Offline));
        Assert.Null(PriorityPreemption.Victims(Node("dc1/t", 0, [Slice("t1", 1000, PriorityClass.Training)]), Wants(500), PriorityClass.Training));
    }

    [Fact]
    public void Work_on_a_cordoned_or_broken_card_is_not_evicted_for_room_the_card_would_not_give()
    {
        // Both cards full of offline work; card 0 cordoned. Its task sorts first, yet only card 1's frees usable room.
        var node = Node("dc1/n0", 4000, [Slice("a-on-cordoned", 1000)], [Slice("b-elsewhere", 1000)]) with
        {
            CordonedCards = ImmutableDictionary<string, string>.Empty.Add("dc1/n0/0", "ECC errors rising"),
        };
        Assert.Equal(["b-elsewhere"], Ids(PriorityPreemption.Victims(node, Wants(1000, online: true), PriorityClass.Online)));

        // Card 1 broken instead of cordoned, card 0 open: the same the other way round.
        var broken = Node("dc1/n0", 4000, [Slice("a-open", 1000)], [Slice("b-on-broken", 1000)]) with { Faults = [new CardFault("dc1/n0/1", "Xid 79")] };
        Assert.Equal(["a-open"], Ids(PriorityPreemption.Victims(broken, Wants(1000, online: true), PriorityClass.Online)));

        // A task of two cards: no eviction gives it two cards that take work, so none is planned.
        Assert.Null(PriorityPreemption.Victims(node, Wants(1000, gpus: 2, online: true), PriorityClass.Online));
    }

    [Fact]
    public void Nothing_is_evicted_where_the_task_fits_already_where_the_host_is_short_or_for_a_gangs_member()
    {
        Assert.Null(PriorityPreemption.Victims(Node("dc1/n0", 0, [Slice("off", 500)]), Wants(500), PriorityClass.Online));

        // Card room alone is counted as freed: a host with too little CPU now is passed over.
        Assert.Null(PriorityPreemption.Victims(Node("dc1/n0", 15_500, [Slice("off", 1000)]), Wants(500), PriorityClass.Online));

        // A gang's member is never evicted on its own.
        Assert.Null(PriorityPreemption.Victims(Node("dc1/n0", 0, [Slice("rank-0", 1000, gang: true)]), Wants(500), PriorityClass.Online));
        Assert.Equal(["solo"], Ids(PriorityPreemption.Victims(Node("dc1/n0", 0, [Slice("rank-0", 500, gang: true), Slice("solo", 500)]), Wants(500), PriorityClass.Online)));
    }

    [Fact]
    public void Each_waiting_task_gets_the_node_with_fewest_evictions_each_node_once_and_busy_nodes_none()
    {
        var two = Node("dc1/a", 0, [Slice("a1", 500), Slice("a2", 500)]);
        var one = Node("dc1/b", 0, [Slice("b1", 1000)]);
        var plans = PriorityPreemption.Plan([two, one], [("w1", Wants(1000), PriorityClass.Training), ("w2", Wants(1000), PriorityClass.Training), ("w3", Wants(1000), PriorityClass.Training)], NoneBusy, 16);
        Assert.Equal(["w1 dc1/b b1", "w2 dc1/a a1,a2"], plans.Select(p => $"{p.ForTaskId} {p.NodeId} {string.Join(',', Ids(p.Victims))}"));

        Assert.Equal(["w1 dc1/a"], PriorityPreemption.Plan([two, one], [("w1", Wants(1000), PriorityClass.Training)], new HashSet<string> { "dc1/b" }, 16)
            .Select(p => $"{p.ForTaskId} {p.NodeId}"));
        Assert.Empty(PriorityPreemption.Plan([two, one], [("w1", Wants(1000), PriorityClass.Training)], NoneBusy, 0));
        Assert.Empty(PriorityPreemption.Plan([two with { Schedulable = false }], [("w1", Wants(1000), PriorityClass.Training)], NoneBusy, 16));

        // A node whose spread domain (its zone, as the scheduler's whole view counts it) is full for the task is passed over.
        Assert.Equal(["w1 dc1/a"], PriorityPreemption.Plan([two, one], [("w1", Wants(1000), PriorityClass.Training)], NoneBusy, 16, (node, _) => node != "dc1/b")
            .Select(p => $"{p.ForTaskId} {p.NodeId}"));
    }
}
