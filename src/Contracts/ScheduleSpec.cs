namespace Orion.Contracts;

/// <summary>
/// When a task comes up: at each occurrence of a cron expression (in a time zone) or at a start time and
/// every period after it, for a window. The task is placed when its window opens and goes down by itself
/// when its work completes or the window closes.
/// </summary>
/// <param name="Cron">A cron expression (5 fields, or 6 with seconds); null when <paramref name="StartAt"/> is used.</param>
/// <param name="TimeZone">The IANA or Windows time-zone id the cron expression is read in.</param>
/// <param name="Window">How long each window stays open.</param>
/// <param name="StartAt">The first window's opening, with <paramref name="Period"/>; null when <paramref name="Cron"/> is used.</param>
/// <param name="Period">Time between window openings, with <paramref name="StartAt"/>.</param>
/// <param name="OnClose">What happens to a run still going when the window closes.</param>
/// <param name="Occurrences">How many windows in all; null = until cancelled.</param>
[GenerateSerializer, Alias("orion.ScheduleSpec"), Immutable]
public sealed record ScheduleSpec(
    [property: Id(0)] string? Cron,
    [property: Id(1)] string TimeZone,
    [property: Id(2)] TimeSpan Window,
    [property: Id(3)] DateTimeOffset? StartAt = null,
    [property: Id(4)] TimeSpan? Period = null,
    [property: Id(5)] WindowClosePolicy OnClose = WindowClosePolicy.Stop,
    [property: Id(6)] int? Occurrences = null)
{
    /// <summary>Windows at each occurrence of <paramref name="cron"/> in <paramref name="timeZone"/>.</summary>
    public static ScheduleSpec Daily(string cron, TimeSpan window, string timeZone = "UTC", WindowClosePolicy onClose = WindowClosePolicy.Stop, int? occurrences = null) =>
        new(cron, timeZone, window, OnClose: onClose, Occurrences: occurrences);

    /// <summary>Windows from <paramref name="startAt"/>, every <paramref name="period"/>.</summary>
    public static ScheduleSpec Every(DateTimeOffset startAt, TimeSpan period, TimeSpan window, WindowClosePolicy onClose = WindowClosePolicy.Stop, int? occurrences = null) =>
        new(null, "UTC", window, startAt, period, onClose, occurrences);
}
