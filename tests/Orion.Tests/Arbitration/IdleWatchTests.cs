using Orion.NodeDaemon;

namespace Orion.Tests.Arbitration;

/// <summary>Readings of a run's use of its cards turned into the moment it has left them idle for its idle timeout.</summary>
public sealed class IdleWatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static DateTimeOffset At(double minutes) => T0.AddMinutes(minutes);

    [Fact]
    public void A_run_idle_from_its_first_reading_for_the_timeout_is_said_once_then_counted_again()
    {
        var watch = new IdleWatch { BusyPercent = 1 };
        Assert.Null(watch.Observe("nb", 1, 0, paused: false, Timeout, At(0)));
        Assert.Null(watch.Observe("nb", 1, 0.99, paused: false, Timeout, At(4.99)));
        Assert.Equal(TimeSpan.FromMinutes(5), watch.Observe("nb", 1, 0, paused: false, Timeout, At(5)));

        // Said once: the next word comes a whole timeout later.
        Assert.Null(watch.Observe("nb", 1, 0, paused: false, Timeout, At(9.9)));
        Assert.Equal(TimeSpan.FromMinutes(5), watch.Observe("nb", 1, 0, paused: false, Timeout, At(10)));
    }

    [Fact]
    public void Use_at_the_threshold_or_time_paused_starts_the_count_again()
    {
        var watch = new IdleWatch { BusyPercent = 1 };
        watch.Observe("nb", 1, 0, paused: false, Timeout, At(0));
        Assert.Null(watch.Observe("nb", 1, 1, paused: false, Timeout, At(4)));
        Assert.Null(watch.Observe("nb", 1, 0, paused: false, Timeout, At(8.9)));
        Assert.NotNull(watch.Observe("nb", 1, 0, paused: false, Timeout, At(9)));

        // Paused by higher-priority work for longer than the timeout: not the run's idleness.
        var paused = new IdleWatch { BusyPercent = 1 };
        paused.Observe("batch", 1, 50, paused: false, Timeout, At(0));
        Assert.Null(paused.Observe("batch", 1, 0, paused: true, Timeout, At(3)));
        Assert.Null(paused.Observe("batch", 1, 0, paused: true, Timeout, At(20)));
        Assert.Null(paused.Observe("batch", 1, 0, paused: false, Timeout, At(24.9)));
        Assert.NotNull(paused.Observe("batch", 1, 0, paused: false, Timeout, At(25)));
    }

    [Fact]
    public void A_new_run_or_a_run_forgotten_counts_from_its_own_first_reading()
    {
        var watch = new IdleWatch { BusyPercent = 1 };
        watch.Observe("nb", 1, 0, paused: false, Timeout, At(0));
        Assert.Null(watch.Observe("nb", 2, 0, paused: false, Timeout, At(6)));
        Assert.Null(watch.Observe("nb", 2, 0, paused: false, Timeout, At(10.9)));
        Assert.NotNull(watch.Observe("nb", 2, 0, paused: false, Timeout, At(11)));

        watch.Forget("nb");
        Assert.Null(watch.Observe("nb", 2, 0, paused: false, Timeout, At(20)));
    }
}
