using Orion.Contracts;

namespace Orion.Tests.Scheduling;

/// <summary>A tenant's past share of the cards, time-decayed (<see cref="FairShare.PastShare"/>): fair sharing by usage history.</summary>
public sealed class PastShareTests
{
    // Noon: the day's usage so far spans 12 hours.
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    // Ten whole cards of 80 GiB.
    private const long Compute = 10_000;
    private const long Memory = 819_200;

    // What `cards` whole cards (and their memory) held over a day's hours up to now, each day from `from` on.
    private static UsageDay[] Held(double cards, DateOnly from, double memoryShare = 0)
    {
        var days = new List<UsageDay>();
        for (var day = from; day <= DateOnly.FromDateTime(Now.UtcDateTime); day = day.AddDays(1))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var seconds = ((start.AddDays(1) < Now ? start.AddDays(1) : Now) - start).TotalSeconds;
            days.Add(new UsageDay(day, cards * seconds, memoryShare * Memory * seconds, 0));
        }

        return [.. days];
    }

    [Theory]
    [InlineData(10.0)]
    [InlineData(2.5)]
    [InlineData(0.5)]
    public void A_tenant_that_held_a_part_of_the_cards_all_along_has_that_part(double cards)
    {
        var all = Held(cards, FairShare.HistoryStart(Now, Week));
        Assert.Equal(cards / 10, FairShare.PastShare(all, Now, Week, Compute, Memory), 9);
    }

    [Fact]
    public void Use_weighs_half_as_much_per_half_life_of_age()
    {
        // All ten cards on one day, 7 days before today (a half-life), against the same day's use today.
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        var recent = FairShare.PastShare([new UsageDay(today.AddDays(-1), 10 * 86_400, 0, 1)], Now, Week, Compute, Memory);
        var older = FairShare.PastShare([new UsageDay(today.AddDays(-8), 10 * 86_400, 0, 1)], Now, Week, Compute, Memory);
        Assert.True(recent > 0);
        Assert.Equal(0.5, older / recent, 9);

        // A shorter half-life forgets faster: two days further back weigh a quarter with a half-life of a day.
        var day = TimeSpan.FromDays(1);
        var quick = FairShare.PastShare([new UsageDay(today.AddDays(-3), 10 * 86_400, 0, 1)], Now, day, Compute, Memory);
        var quickRecent = FairShare.PastShare([new UsageDay(today.AddDays(-1), 10 * 86_400, 0, 1)], Now, day, Compute, Memory);
        Assert.Equal(0.25, quick / quickRecent, 9);
    }

    [Fact]
    public void Days_before_four_half_lives_are_not_counted_and_the_start_is_four_half_lives_back()
    {
        Assert.Equal(new DateOnly(2026, 11, 4), FairShare.HistoryStart(Now, Week));
        Assert.Equal(new DateOnly(2026, 12, 1), FairShare.HistoryStart(Now, TimeSpan.FromHours(6)));
        var old = FairShare.PastShare([new UsageDay(new DateOnly(2026, 11, 3), 10 * 86_400, 0, 1)], Now, Week, Compute, Memory);
        Assert.Equal(0, old);
        var first = FairShare.PastShare([new UsageDay(new DateOnly(2026, 11, 4), 10 * 86_400, 0, 1)], Now, Week, Compute, Memory);
        Assert.True(first > 0);
    }

    [Fact]
    public void The_past_share_is_the_larger_of_compute_and_memory()
    {
        // Little compute, most of the memory: memory's share counts.
        var days = Held(1, FairShare.HistoryStart(Now, Week), memoryShare: 0.75);
        Assert.Equal(0.75, FairShare.PastShare(days, Now, Week, Compute, Memory), 9);
    }

    [Fact]
    public void No_history_no_capacity_or_a_half_life_of_zero_is_no_past_share()
    {
        var days = Held(5, FairShare.HistoryStart(Now, Week));
        Assert.Equal(0, FairShare.PastShare([], Now, Week, Compute, Memory));
        Assert.Equal(0, FairShare.PastShare(days, Now, Week, 0, 0));
        Assert.Equal(0, FairShare.PastShare(days, Now, TimeSpan.Zero, Compute, Memory));

        // Days to come (a meter ahead of this clock) hold nothing yet.
        Assert.Equal(0, FairShare.PastShare([new UsageDay(new DateOnly(2026, 12, 3), 10 * 86_400, 0, 1)], Now, Week, Compute, Memory));
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("1h", true)]
    [InlineData("30d", true)]
    [InlineData("59m", false)]
    [InlineData("30d1s", false)]
    public void The_half_life_is_off_or_from_an_hour_to_thirty_days(string halfLife, bool valid)
    {
        var span = halfLife == "0" ? TimeSpan.Zero : Durations.Parse(halfLife)!.Value;
        Assert.Equal(valid, FairShare.IsHalfLife(span));
        var errors = PoolSettingsRules.Check(null, null, null, span);
        if (valid)
        {
            Assert.Empty(errors);
        }
        else
        {
            var error = Assert.Single(errors);
            Assert.Equal("fairShareHalfLife", error.Field);
            Assert.Equal($"{FairShare.HalfLifeRule}, not '{halfLife}'", error.Rule);
        }
    }
}
