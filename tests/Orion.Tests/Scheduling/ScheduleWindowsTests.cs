using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class ScheduleWindowsTests
{
    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void A_daily_cron_window_opens_at_its_time_and_the_next_follows_a_day_later()
    {
        var w = ScheduleWindows.Create(ScheduleSpec.Daily("30 22 * * *", TimeSpan.FromHours(1)));
        Assert.Null(w.Current(Utc(11, 29, 22)));
        Assert.Equal((Utc(11, 29, 22, 30), Utc(11, 29, 23, 30)), w.Next(Utc(11, 29, 22)));
        Assert.Equal((Utc(11, 29, 22, 30), Utc(11, 29, 23, 30)), w.Current(Utc(11, 29, 22, 30)));
        Assert.Equal((Utc(11, 29, 22, 30), Utc(11, 29, 23, 30)), w.Current(Utc(11, 29, 23, 29)));
        Assert.Null(w.Current(Utc(11, 29, 23, 30)));
        Assert.Equal((Utc(11, 30, 22, 30), Utc(11, 30, 23, 30)), w.Next(Utc(11, 29, 22, 30)));
    }

    [Fact]
    public void Cron_is_read_in_the_spec_time_zone_across_daylight_saving()
    {
        var w = ScheduleWindows.Create(ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(2), "Europe/Berlin"));
        Assert.Equal(Utc(11, 29, 21), w.Next(Utc(11, 29, 12))!.Value.Open);
        Assert.Equal(Utc(7, 1, 20), w.Next(Utc(7, 1, 12))!.Value.Open);
    }

    [Fact]
    public void A_start_and_period_schedule_repeats_from_its_start()
    {
        var w = ScheduleWindows.Create(ScheduleSpec.Every(Utc(11, 30, 0), TimeSpan.FromHours(6), TimeSpan.FromHours(1)));
        Assert.Equal((Utc(11, 30, 0), Utc(11, 30, 1)), w.Next(Utc(11, 29, 12)));
        Assert.Equal((Utc(11, 30, 6), Utc(11, 30, 7)), w.Current(Utc(11, 30, 6, 30)));
        Assert.Null(w.Current(Utc(11, 30, 7)));
        Assert.Equal((Utc(11, 30, 12), Utc(11, 30, 13)), w.Next(Utc(11, 30, 6)));
    }

    [Theory]
    [InlineData("not a cron", "UTC", 60, "schedule.cron")]
    [InlineData("0 * * * *", "UTC", 120, "schedule.window")]
    [InlineData("0 22 * * *", "Mars/Olympus", 60, "schedule.timeZone")]
    [InlineData("0 0 30 2 *", "UTC", 60, "schedule.cron")]
    public void Bad_cron_zone_or_window_is_named(string cron, string zone, int windowMinutes, string field)
    {
        var errors = ScheduleWindows.Validate(ScheduleSpec.Daily(cron, TimeSpan.FromMinutes(windowMinutes), zone));
        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void A_good_cron_passes() => Assert.Empty(ScheduleWindows.Validate(ScheduleSpec.Daily("0 22 * * 1-5", TimeSpan.FromHours(8), "Europe/Berlin")));

    public static TheoryData<ScheduleSpec, string, string> BrokenSchedules() => new()
    {
        { ScheduleSpec.Daily("0 22 * * *", TimeSpan.Zero), "schedule.window", "must be positive" },
        { ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromMinutes(-5)), "schedule.window", "must be positive" },
        { ScheduleSpec.Every(Utc(1, 1, 0), TimeSpan.FromHours(1), TimeSpan.FromHours(2)), "schedule.window", "must not be longer than schedule.period" },
        { ScheduleSpec.Every(Utc(1, 1, 0), TimeSpan.Zero, TimeSpan.FromHours(2)), "schedule.period", "must be positive" },
        { new ScheduleSpec("0 22 * * *", "UTC", TimeSpan.FromHours(1), Utc(1, 1, 0), TimeSpan.FromDays(1)), "schedule", "either cron, or startAt with period" },
        { new ScheduleSpec(null, "UTC", TimeSpan.FromHours(1), null, TimeSpan.FromDays(1)), "schedule.startAt", "is required" },
        { ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(1), occurrences: 0), "schedule.occurrences", "at least 1" },
        { ScheduleSpec.Daily("0 22 * * *", TimeSpan.FromHours(1), timeZone: ""), "schedule.timeZone", "is required" },
    };

    [Theory]
    [MemberData(nameof(BrokenSchedules))]
    public void The_spec_validator_names_each_schedule_rule(ScheduleSpec schedule, string field, string rule)
    {
        var errors = SpecValidator.Validate(Specs.Batch() with { Schedule = schedule });
        Assert.Contains(errors, e => e.Field == field && e.Rule.Contains(rule));
    }
}
