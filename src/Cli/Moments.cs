using System.Globalization;
using Orion.Contracts;

namespace Orion.Cli;

/// <summary>Times as the CLI takes them: <c>now</c>, <c>+2h</c> (from now) or an ISO 8601 time (UTC unless it names an offset).</summary>
public static class Moments
{
    /// <summary>The forms <see cref="Parse"/> takes, as errors say it.</summary>
    public const string Rule = "must be now, +DURATION from now (e.g. +2h) or a time such as 2026-12-05T02:00Z (UTC unless it names an offset)";

    /// <summary>The time <paramref name="text"/> says, counted from <paramref name="now"/> where it is relative; null when it keeps no form of <see cref="Rule"/>.</summary>
    public static DateTimeOffset? Parse(string? text, DateTimeOffset now)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t))
        {
            return null;
        }

        if (t.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            return now;
        }

        if (t.StartsWith('+'))
        {
            return Durations.Parse(t[1..]) is { } after ? now + after : null;
        }

        // A bare number would parse as a year or worse: a time needs its date.
        return t.Length >= 10 && char.IsAsciiDigit(t[0])
            && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at)
            ? at.ToUniversalTime()
            : null;
    }
}
