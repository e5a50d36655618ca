using Microsoft.Extensions.Time.Testing;
using Orion.Grains.Access;

namespace Orion.Tests.Access;

public sealed class TokenBucketTests
{
    [Fact]
    public void A_burst_is_let_in_then_a_steady_rate_and_those_left_out_are_counted_into_the_next_let_in()
    {
        var clock = new FakeTimeProvider();
        var limit = new TokenBucket(clock, perSecond: 2, burst: 3);
        var letIn = Enumerable.Range(0, 10).Select(_ => limit.TryTake(out var before) ? before : -1).ToArray();
        Assert.Equal([0, 0, 0, -1, -1, -1, -1, -1, -1, -1], letIn);

        // Half a second buys one more, which carries the seven left out.
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(limit.TryTake(out var carried));
        Assert.Equal(7, carried);
        Assert.False(limit.TryTake(out _));

        // A long quiet spell refills the burst, no more.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal([1, 0, 0, -1], Enumerable.Range(0, 4).Select(_ => limit.TryTake(out var before) ? before : -1));
    }
}
