using System.Collections.Immutable;
using Orion.Client.Monitoring;

namespace Orion.Tests.Monitoring;

public sealed class FreeRoomTests
{
    private static CardSummary Card(string node, int index, int allocated, string? fault = null, string? cordon = null) =>
        new($"{node}/{index}", node, node.Split('/')[0], index, "A100-80GB", 1000, allocated, allocated, 81_920, 0, 0, 0,
            allocated == 0 ? [] : [new SliceSummary("t", "t", "team", "Running", allocated, 1024, false, false, false)], Fault: fault, CordonReason: cordon);

    private static NodeSummary Node(string id, bool schedulable, params CardSummary[] cards) =>
        new(id, id.Split('/')[0], schedulable, 64_000, 0, 262_144, 0, [.. cards]);

    [Fact]
    public void Free_compute_on_cards_in_use_counts_as_scattered_and_cards_that_take_no_work_count_for_nothing()
    {
        var rooms = FreeRoom.Of([
            // dc1: an empty card (1000 free), one at 40% (600 free, scattered), one at 100% (none free), a broken and a
            // cordoned one (not counted), and a node not taking work (not counted).
            Node("dc1/n0", true, Card("dc1/n0", 0, 0), Card("dc1/n0", 1, 400), Card("dc1/n0", 2, 1000)),
            Node("dc1/n1", true, Card("dc1/n1", 0, 0, fault: "Xid 79"), Card("dc1/n1", 1, 300, cordon: "ECC")),
            Node("dc1/n2", false, Card("dc1/n2", 0, 0)),
            Node("dc2/n0", true, Card("dc2/n0", 0, 1000)),
        ]);

        Assert.Equal([new FreeRoom("dc1", 1600, 600, 1), new FreeRoom("dc2", 0, 0, 0)], rooms);
        Assert.Equal((0.375, 0.0), (rooms[0].ScatteredShare, rooms[1].ScatteredShare));
    }
}
