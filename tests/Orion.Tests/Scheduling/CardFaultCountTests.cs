using Orion.Grains;

namespace Orion.Tests.Scheduling;

/// <summary>When a card that keeps breaking counts as flapping.</summary>
public sealed class CardFaultCountTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_limit_th_fault_within_the_window_flaps_and_older_ones_no_longer_count()
    {
        var count = new CardFaultCount(3, TimeSpan.FromHours(1));
        Assert.False(count.Faulted("dc1/n/0", Start));
        Assert.False(count.Faulted("dc1/n/0", Start.AddMinutes(30)));

        // Another card's faults are its own.
        Assert.False(count.Faulted("dc1/n/1", Start.AddMinutes(40)));

        // The first fault is over an hour old by the third: two in the window.
        Assert.False(count.Faulted("dc1/n/0", Start.AddMinutes(61)));
        Assert.True(count.Faulted("dc1/n/0", Start.AddMinutes(70)));
    }

    [Fact]
    public void A_limit_of_zero_never_flaps()
    {
        var count = new CardFaultCount(0, TimeSpan.FromHours(1));
        Assert.All(Enumerable.Range(0, 5), i => Assert.False(count.Faulted("dc1/n/0", Start.AddSeconds(i))));
    }
}
