using Orion.NodeDaemon;

namespace Orion.Tests.Arbitration;

/// <summary>Readings of an online process's compute turned into the busy/idle transitions a lease would send.</summary>
public sealed class MeasuredDemandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    [Fact]
    public void A_task_starts_idle_and_turns_busy_at_the_first_reading_over_the_threshold()
    {
        var demand = new MeasuredDemand { BusyPercent = 5, HoldTime = TimeSpan.FromSeconds(2) };
        Assert.Null(demand.Observe("a", 0, At(0)));
        Assert.Null(demand.Observe("a", 4.9, At(0.25)));
        Assert.False(demand.IsBusy("a"));
        Assert.True(demand.Observe("a", 5, At(0.5)));
        Assert.True(demand.IsBusy("a"));

        // Busy stays busy without further messages.
        Assert.Null(demand.Observe("a", 80, At(0.75)));
    }

    [Fact]
    public void A_busy_task_goes_idle_only_after_the_hold_time_of_quiet_readings()
    {
        var demand = new MeasuredDemand { BusyPercent = 5, HoldTime = TimeSpan.FromSeconds(2) };
        Assert.True(demand.Observe("a", 50, At(0)));
        Assert.Null(demand.Observe("a", 0, At(1)));
        Assert.Null(demand.Observe("a", 0, At(1.99)));

        // A request in the gap keeps it busy and starts the hold again.
        Assert.Null(demand.Observe("a", 30, At(1.5)));
        Assert.Null(demand.Observe("a", 0, At(3.25)));
        Assert.False(demand.Observe("a", 0, At(3.5)));
        Assert.False(demand.IsBusy("a"));
        Assert.Null(demand.Observe("a", 0, At(10)));
    }

    [Fact]
    public void Tasks_are_measured_apart_and_a_forgotten_one_starts_idle_again()
    {
        var demand = new MeasuredDemand();
        Assert.True(demand.Observe("a", 90, At(0)));
        Assert.Null(demand.Observe("b", 0, At(0)));
        Assert.True(demand.IsBusy("a"));
        Assert.False(demand.IsBusy("b"));

        demand.Forget("a");
        Assert.False(demand.IsBusy("a"));
        Assert.True(demand.Observe("a", 90, At(1)));
    }

    [Fact]
    public void An_undone_transition_is_given_again_by_the_next_reading_that_bears_it_out()
    {
        var demand = new MeasuredDemand { HoldTime = TimeSpan.FromSeconds(1) };
        Assert.True(demand.Observe("a", 90, At(0)));
        demand.Undo("a");
        Assert.True(demand.Observe("a", 90, At(0.25)));

        Assert.False(demand.Observe("a", 0, At(2)));
        demand.Undo("a");
        Assert.False(demand.Observe("a", 0, At(2.25)));
    }
}
