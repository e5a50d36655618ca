using Orion.Grains.Deployments;

namespace Orion.Tests.Deployments;

public sealed class CounterReadingTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public void The_rate_is_the_increase_per_second_since_the_reading_before_of_the_same_run()
    {
        var first = CounterReading.Next(null, 1, T0, 100);
        Assert.Equal(new CounterReading(1, T0, 100, null), first);
        var second = CounterReading.Next(first, 1, T0.AddSeconds(5), 150);
        Assert.Equal(new CounterReading(1, T0.AddSeconds(5), 150, 10), second);
        Assert.Equal(0, CounterReading.Next(second, 1, T0.AddSeconds(10), 150).Rate);
    }

    [Fact]
    public void A_new_run_or_a_counter_that_went_down_starts_afresh()
    {
        var before = new CounterReading(1, T0, 500, 10);
        Assert.Equal(new CounterReading(2, T0.AddSeconds(5), 20, null), CounterReading.Next(before, 2, T0.AddSeconds(5), 20));
        Assert.Equal(new CounterReading(1, T0.AddSeconds(5), 20, null), CounterReading.Next(before, 1, T0.AddSeconds(5), 20));
    }

    [Fact]
    public void A_look_again_at_once_keeps_the_last_reading_and_its_rate()
    {
        var before = new CounterReading(1, T0, 500, 10);
        Assert.Equal(before, CounterReading.Next(before, 1, T0, 500));
        Assert.Equal(before, CounterReading.Next(before, 1, T0.AddMilliseconds(900), 600));
        Assert.Equal(100, CounterReading.Next(before, 1, T0.AddSeconds(1), 600).Rate);
    }
}
