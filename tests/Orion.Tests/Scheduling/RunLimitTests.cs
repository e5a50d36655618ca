using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class RunLimitTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static VGpuTaskStatus Run(TimeSpan? limit, TaskState state = TaskState.Running, TimeSpan pausedFor = default, DateTimeOffset? pausedSince = null) =>
        new("t", Specs.Batch() with { MaxRuntime = limit }, state, null, 1, Start, Start, Start, null, null, 1,
            SuspendedFor: pausedFor, SuspendedSince: pausedSince);

    [Fact]
    public void Time_left_is_the_limit_less_the_time_since_the_start() =>
        Assert.Equal(TimeSpan.FromMinutes(6), RunLimit.Left(Run(TimeSpan.FromMinutes(10)), TimeSpan.Zero, Start.AddMinutes(4)));

    [Fact]
    public void Pauses_of_this_run_ended_or_going_on_do_not_count_and_earlier_runs_pauses_do_not_either()
    {
        // 20 minutes paused before this run; 5 in this run, ended; 3 in one going on since 10:12.
        var status = Run(TimeSpan.FromMinutes(10), TaskState.Suspended, TimeSpan.FromMinutes(25), Start.AddMinutes(12));
        Assert.Equal(TimeSpan.FromMinutes(3), RunLimit.Left(status, TimeSpan.FromMinutes(20), Start.AddMinutes(15)));
    }

    [Fact]
    public void Past_the_limit_it_is_zero_or_less() =>
        Assert.True(RunLimit.Left(Run(TimeSpan.FromMinutes(10)), TimeSpan.Zero, Start.AddMinutes(10)) <= TimeSpan.Zero);

    [Theory]
    [InlineData(TaskState.Pending)]
    [InlineData(TaskState.Completed)]
    [InlineData(TaskState.Failed)]
    public void Without_a_run_under_way_there_is_nothing_to_time(TaskState state) =>
        Assert.Null(RunLimit.Left(Run(TimeSpan.FromMinutes(10), state), TimeSpan.Zero, Start.AddMinutes(4)));

    [Fact]
    public void Without_a_limit_there_is_nothing_to_time() => Assert.Null(RunLimit.Left(Run(null), TimeSpan.Zero, Start.AddDays(100)));

    [Fact]
    public void A_run_placed_but_not_started_has_nothing_to_time() =>
        Assert.Null(RunLimit.Left(Run(TimeSpan.FromMinutes(10), TaskState.Placing) with { StartedAt = null }, TimeSpan.Zero, Start.AddMinutes(4)));
}
