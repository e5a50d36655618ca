using System.Collections.Immutable;
using Cronos;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// The windows of a <see cref="ScheduleSpec"/>: when each opens and closes. Pure; cron expressions are read
/// by Cronos in the spec's time zone (so daylight-saving changes move windows as people expect).
/// </summary>
public sealed class ScheduleWindows
{
    private readonly CronExpression? cron;
    private readonly TimeZoneInfo zone;
    private readonly ScheduleSpec spec;

    private ScheduleWindows(ScheduleSpec spec, CronExpression? cron, TimeZoneInfo zone)
    {
        this.spec = spec;
        this.cron = cron;
        this.zone = zone;
    }

    public TimeSpan Window => spec.Window;

    /// <summary>Rules Contracts cannot check (cron syntax, time zones, cron gaps shorter than the window), as errors.</summary>
    public static ImmutableArray<ValidationError> Validate(ScheduleSpec spec)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        var zone = TimeZoneInfo.Utc;
        if (!string.IsNullOrWhiteSpace(spec.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(spec.TimeZone, out zone!))
        {
            errors.Add(new("schedule.timeZone", $"'{spec.TimeZone}' is not a known time zone"));
            zone = TimeZoneInfo.Utc;
        }

        if (spec.Cron is not null && spec.Window > TimeSpan.Zero)
        {
            if (!TryParse(spec.Cron, out var expression, out var why))
            {
                errors.Add(new("schedule.cron", $"must be a valid cron expression: {why}"));
            }
            else
            {
                // The window must close before the next one opens: check the coming occurrences.
                var occurrences = expression!.GetOccurrences(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(2), zone).Take(50).ToList();
                var gap = occurrences.Zip(occurrences.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.MaxValue).Min();
                if (occurrences.Count == 0)
                {
                    errors.Add(new("schedule.cron", "never occurs"));
                }
                else if (spec.Window > gap)
                {
                    errors.Add(new("schedule.window", $"must not be longer than the time between occurrences ({gap})"));
                }
            }
        }

        return errors.ToImmutable();
    }

    /// <summary>The windows of a spec that passed validation.</summary>
    public static ScheduleWindows Create(ScheduleSpec spec)
    {
        var zone = string.IsNullOrWhiteSpace(spec.TimeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(spec.TimeZone);
        CronExpression? cron = null;
        if (spec.Cron is not null && !TryParse(spec.Cron, out cron, out var why))
        {
            throw new ArgumentException($"schedule.cron must be a valid cron expression: {why}", nameof(spec));
        }

        return new ScheduleWindows(spec, cron, zone);
    }

    /// <summary>The window open at <paramref name="now"/>, if one is.</summary>
    public (DateTimeOffset Open, DateTimeOffset Close)? Current(DateTimeOffset now)
    {
        DateTimeOffset? open;
        if (cron is not null)
        {
            open = cron.GetNextOccurrence(now - spec.Window, zone, inclusive: false);
        }
        else
        {
            var start = spec.StartAt!.Value;
            var period = spec.Period!.Value;
            open = now < start ? null : start + (period * Math.Floor((now - start) / period));
        }

        return open is { } o && o <= now && now < o + spec.Window ? (o, o + spec.Window) : null;
    }

    /// <summary>The first window that opens after <paramref name="after"/>; null when there is none.</summary>
    public (DateTimeOffset Open, DateTimeOffset Close)? Next(DateTimeOffset after)
    {
        DateTimeOffset? open;
        if (cron is not null)
        {
            open = cron.GetNextOccurrence(after, zone, inclusive: false);
        }
        else
        {
            var start = spec.StartAt!.Value;
            var period = spec.Period!.Value;
            open = after < start ? start : start + (period * (Math.Floor((after - start) / period) + 1));
        }

        return open is { } o ? (o, o + spec.Window) : null;
    }

    private static bool TryParse(string text, out CronExpression? expression, out string why)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            expression = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            why = "";
            return true;
        }
        catch (CronFormatException ex)
        {
            expression = null;
            why = ex.Message;
            return false;
        }
    }
}
