using Orion.NodeDaemon.Probes;

namespace Orion.Tests.Probes;

/// <summary>What a run's probe results come to: readiness turns and liveness failures, counted in a row.</summary>
public sealed class ProbeStreakTests
{
    [Fact]
    public void A_run_is_not_ready_until_its_first_pass_and_each_new_reason_it_fails_meanwhile_is_told_once()
    {
        var streak = new ProbeStreak(3);
        Assert.Equal((false, "refused"), streak.Readiness("refused"));
        Assert.Null(streak.Readiness("refused"));
        Assert.Equal((false, "answered 503"), streak.Readiness("answered 503"));
        Assert.Equal((true, (string?)null), streak.Readiness(null));
        Assert.Null(streak.Readiness(null));
    }

    [Fact]
    public void A_ready_run_turns_not_ready_only_at_its_threshold_of_failures_in_a_row_and_ready_again_at_one_pass()
    {
        var streak = new ProbeStreak(3);
        streak.Readiness(null);
        Assert.Null(streak.Readiness("answered 500"));
        Assert.Null(streak.Readiness("answered 500"));
        Assert.Null(streak.Readiness(null));
        Assert.Null(streak.Readiness("answered 500"));
        Assert.Null(streak.Readiness("answered 500"));
        Assert.Equal((false, "3 times in a row (last: answered 500)"), streak.Readiness("answered 500"));
        Assert.Null(streak.Readiness("answered 500"));
        Assert.Equal((true, (string?)null), streak.Readiness(null));
    }

    [Fact]
    public void A_liveness_probe_says_stop_at_its_threshold_in_a_row_again_at_each_further_threshold_and_a_pass_or_a_pause_counts_again()
    {
        var streak = new ProbeStreak(2);
        Assert.Null(streak.Liveness("hung"));
        Assert.Null(streak.Liveness(null));
        Assert.Null(streak.Liveness("hung"));
        streak.Paused();
        Assert.Null(streak.Liveness("hung"));
        Assert.Equal("2 times in a row (last: hung)", streak.Liveness("hung"));
        Assert.Equal(2, streak.Failures);
        Assert.Null(streak.Liveness("hung"));
        Assert.Equal("2 times in a row (last: hung)", streak.Liveness("hung"));
    }

    [Fact]
    public void A_threshold_of_one_says_the_failure_alone()
    {
        var streak = new ProbeStreak(1);
        Assert.Equal("hung", streak.Liveness("hung"));
        streak.Readiness(null);
        Assert.Equal((false, "answered 503"), streak.Readiness("answered 503"));
    }
}
