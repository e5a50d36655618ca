using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class SchedulerReleaseTests
{
    [Fact]
    public void A_scheduler_holds_something_while_it_indexes_a_node_queues_a_task_or_works()
    {
        Assert.True(SchedulerRelease.HoldsNothing(nodes: 0, queued: 0, working: false));
        Assert.False(SchedulerRelease.HoldsNothing(nodes: 1, queued: 0, working: false));
        Assert.False(SchedulerRelease.HoldsNothing(nodes: 0, queued: 1, working: false));
        Assert.False(SchedulerRelease.HoldsNothing(nodes: 0, queued: 0, working: true));
    }

    [Fact]
    public void It_lets_go_only_after_holding_nothing_at_two_checks_in_a_row()
    {
        var release = new SchedulerRelease();
        Assert.False(release.Check(holdsNothing: true));
        Assert.True(release.Check(holdsNothing: true));
        Assert.True(release.Check(holdsNothing: true));

        release = new SchedulerRelease();
        Assert.False(release.Check(holdsNothing: true));
        Assert.False(release.Check(holdsNothing: false));
        Assert.False(release.Check(holdsNothing: true));
        Assert.True(release.Check(holdsNothing: true));
    }

    [Fact]
    public void Work_between_two_checks_starts_the_count_again()
    {
        var release = new SchedulerRelease();
        Assert.False(release.Check(holdsNothing: true));
        release.Worked();
        Assert.False(release.Check(holdsNothing: true));
        Assert.True(release.Check(holdsNothing: true));
    }
}
