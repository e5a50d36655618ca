using System.Globalization;

namespace Orion.Contracts;

/// <summary>Durations as people write them: <c>90s</c>, <c>45m</c>, <c>2h</c>, <c>1d12h</c>.</summary>
public static class Durations
{
    /// <summary>The form <see cref="Parse"/> takes, as errors say it.</summary>
    public const string Rule = "must be a duration such as 90s, 45m, 2h or 1d12h (whole numbers of d, h, m, s, largest first)";

    private static readonly (char Unit, TimeSpan Size)[] Units =
        [('d', TimeSpan.FromDays(1)), ('h', TimeSpan.FromHours(1)), ('m', TimeSpan.FromMinutes(1)), ('s', TimeSpan.FromSeconds(1))];

    /// <summary>The duration <paramref name="text"/> says, or null when it does not keep <see cref="Rule"/>.</summary>
    public static TimeSpan? Parse(string? text)
    {
        var t = text?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(t))
        {
            return null;
        }

        var total = TimeSpan.Zero;
        var next = 0;
        var at = 0;
        while (at < t.Length)
        {
            var digits = 0;
            while (at + digits < t.Length && char.IsAsciiDigit(t[at + digits]))
            {
                digits++;
            }

            if (digits is 0 or > 9 || at + digits == t.Length)
            {
                return null;
            }

            // Units in order, each once: 1h30m, not 30m1h or 1h1h.
            var unit = Array.FindIndex(Units, next, u => u.Unit == t[at + digits]);
            if (unit < 0)
            {
                return null;
            }

            try
            {
                total = checked(total + TimeSpan.FromTicks(checked(Units[unit].Size.Ticks * long.Parse(t.AsSpan(at, digits), CultureInfo.InvariantCulture))));
            }
            catch (OverflowException)
            {
                return null;
            }

            next = unit + 1;
            at += digits + 1;
        }

        return total;
    }

    /// <summary><paramref name="span"/> in <see cref="Parse"/>'s form (fractions of a second as <c>1.5s</c>).</summary>
    public static string Format(TimeSpan span)
    {
        if (span.Ticks % TimeSpan.TicksPerSecond != 0 || span < TimeSpan.Zero)
        {
            return $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";
        }

        var parts = new List<string>(4);
        foreach (var (unit, size) in Units)
        {
            var count = span.Ticks / size.Ticks;
            if (count > 0)
            {
                parts.Add(count.ToString(CultureInfo.InvariantCulture) + unit);
                span -= size * count;
            }
        }

        return parts.Count == 0 ? "0s" : string.Concat(parts);
    }
}
