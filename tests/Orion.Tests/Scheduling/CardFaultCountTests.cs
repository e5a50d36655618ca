using Orion.Grains;

namespace Orion.Tests.Scheduling;

/// <summary>When a card that keeps breaking counts as flapping.</summary>
public sealed class CardFaultCountTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void The_limit_th_fault_within_the_window_flaps_and_older_ones_no_longer_count()
    {
        var (kept, flapping) = CardFaultCount.Count(default, Start, 3, Hour);
        Assert.False(flapping);
        (kept, flapping) = CardFaultCount.Count(kept, Start.AddMinutes(30), 3, Hour);
        Assert.False(flapping);

        // The first fault is over an hour old by the third: two in the window, and it is no longer kept.
        (kept, flapping) = CardFaultCount.Count(kept, Start.AddMinutes(61), 3, Hour);
        Assert.False(flapping);
        Assert.Equal([Start.AddMinutes(30), Start.AddMinutes(61)], kept);
        (kept, flapping) = CardFaultCount.Count(kept, Start.AddMinutes(70), 3, Hour);
        Assert.True(flapping);
        Assert.Equal(3, kept.Length);
    }

    [Fact]
    public void A_limit_of_zero_never_flaps()
    {
        var kept = default(System.Collections.Immutable.ImmutableArray<DateTimeOffset>);
        for (var i = 0; i < 5; i++)
        {
            (kept, var flapping) = CardFaultCount.Count(kept, Start.AddSeconds(i), 0, Hour);
            Assert.False(flapping);
        }
    }
}
