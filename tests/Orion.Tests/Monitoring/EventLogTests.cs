using Orion.Contracts;
using Orion.Grains.Monitoring;

namespace Orion.Tests.Monitoring;

public sealed class EventLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Numbers_events_drops_the_oldest_past_capacity_and_reads_after_a_sequence()
    {
        var log = new EventLog(3);
        for (var i = 1; i <= 5; i++)
        {
            log.Add(T0.AddSeconds(i), PoolEventKinds.Placement, "t" + i, "dc1/n0", "", 0);
        }

        Assert.Equal(5, log.Last);
        Assert.Equal([3L, 4L, 5L], log.Since(0, 10).Select(e => e.Sequence));
        Assert.Equal([5L], log.Since(4, 10).Select(e => e.Sequence));
        Assert.Equal([4L, 5L], log.Since(0, 2).Select(e => e.Sequence));
        Assert.Empty(log.Since(5, 10));
        Assert.Equal("t5", log.Since(4, 1)[0].TaskId);
    }

    [Fact]
    public void A_log_started_again_numbers_on_from_its_base_so_a_reader_past_the_old_numbers_still_sees_new_events()
    {
        var first = new EventLog(3, firstAfter: 1_000);
        first.Add(T0, PoolEventKinds.Placement, "t1", "dc1/n0", "", 0);
        var reader = first.Since(0, 10)[^1].Sequence;
        Assert.Equal(1_001, reader);

        var again = new EventLog(3, firstAfter: 2_000);
        Assert.Equal(2_000, again.Last);
        again.Add(T0, PoolEventKinds.Placement, "t2", "dc1/n0", "", 0);
        Assert.Equal("t2", Assert.Single(again.Since(reader, 10)).TaskId);
    }
}
