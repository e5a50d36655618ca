using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class GangMusterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static QueuedTask Member(string id, string gang, int size = 3, string tenant = "research", bool waits = true) =>
        new(id, waits ? 1 : 2, Specs.Training(1) with { Tenant = tenant, Gang = new GangSpec(gang, size) }, T0, GangWaits: waits);

    [Fact]
    public void A_gang_is_complete_once_all_its_members_are_queued_and_free_to_place()
    {
        QueuedTask[] queued = [Member("a0", "a"), new("solo", 1, Specs.Batch(), T0), Member("a1", "a"), Member("b0", "b"), Member("a2", "a")];

        // The round saw only the last arrival; the rest were already queued.
        var (complete, waiting) = GangMuster.Gather([queued[4]], queued, _ => true);
        Assert.Equal(["a0", "a1", "a2"], Assert.Single(complete).Select(t => t.TaskId));
        Assert.Empty(waiting);

        // One member still out at its node (reserving) or not yet arrived: the gang waits, and says how far it is.
        (complete, waiting) = GangMuster.Gather(queued, queued, t => t.TaskId != "a1");
        Assert.Empty(complete);
        Assert.Equal("gang a: 2 of 3 members queued", waiting["a0"]);
        Assert.Equal("gang a: 2 of 3 members queued", waiting["a2"]);
        Assert.Equal("gang b: 1 of 3 members queued", waiting["b0"]);
        Assert.False(waiting.ContainsKey("solo"));
    }

    [Fact]
    public void Members_of_another_tenant_or_size_are_another_gang_and_members_beyond_its_size_wait()
    {
        QueuedTask[] queued =
        [
            Member("a0", "a", size: 2), Member("x0", "a", size: 2, tenant: "search"), Member("a1", "a", size: 2),
            Member("y0", "a", size: 3), Member("a2", "a", size: 2),
        ];

        var (complete, waiting) = GangMuster.Gather(queued, queued, _ => true);
        Assert.Equal(["a0", "a1"], Assert.Single(complete).Select(t => t.TaskId));
        Assert.Equal("gang a has its 2 members; this one is beyond its size", waiting["a2"]);
        Assert.Equal("gang a: 1 of 2 members queued", waiting["x0"]);
        Assert.Equal("gang a: 1 of 3 members queued", waiting["y0"]);
    }

    [Fact]
    public void A_member_queued_again_on_its_own_after_its_gang_was_placed_is_placed_alone()
    {
        Assert.True(GangMuster.Waits(Member("a0", "a")));
        Assert.False(GangMuster.Waits(Member("a0", "a", waits: false)));
        Assert.False(GangMuster.Waits(new QueuedTask("solo", 1, Specs.Batch(), T0, GangWaits: true)));

        QueuedTask[] queued = [Member("a0", "a", waits: false), Member("a1", "a")];
        var (complete, waiting) = GangMuster.Gather(queued, queued, _ => true);
        Assert.Empty(complete);
        Assert.Equal(["a1"], waiting.Keys);
    }
}
