using System.Globalization;

namespace Orion.Contracts;

/// <summary>UTC days as the CLI and the JSON API take them: <c>YYYY-MM-DD</c>.</summary>
public static class UtcDays
{
    /// <summary>The day <paramref name="text"/> says, or null when it is not a day in that form.</summary>
    public static DateOnly? Parse(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
}
