using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// What a node's maintenance windows mean at a time: which new window may be added, which work may still start there,
/// which window is in force and which have ended. Pure: the node grain acts on its answers, placement filters with them.
/// </summary>
public static class MaintenanceCalendar
{
    /// <summary>Why <paramref name="added"/> may not join <paramref name="windows"/> at <paramref name="now"/>; empty when it may.</summary>
    public static ImmutableArray<ValidationError> Refusal(ImmutableArray<MaintenanceWindow> windows, MaintenanceWindow added, DateTimeOffset now)
    {
        var errors = added.Check(now);
        if (!errors.IsEmpty)
        {
            return errors;
        }

        var kept = Kept(windows, now);
        if (kept.FirstOrDefault(w => w.Overlaps(added)) is { } other)
        {
            return [new("start", $"must not overlap another window of the node; {MaintenanceWindow.Format(other.Start)} to {MaintenanceWindow.Format(other.End)} ({other.Reason}) overlaps it")];
        }

        return kept.Length >= MaintenanceWindow.MaxPerNode
            ? [new("start", $"must not make the node's windows more than {MaintenanceWindow.MaxPerNode}; cancel one first")]
            : [];
    }

    /// <summary>
    /// The windows not yet ended at <paramref name="now"/>, in start order, a repeating one that ended replaced by its
    /// next occurrence that ends after <paramref name="now"/> and overlaps none of the others (within 100 tries; else it
    /// repeats no more).
    /// </summary>
    public static ImmutableArray<MaintenanceWindow> Kept(ImmutableArray<MaintenanceWindow> windows, DateTimeOffset now)
    {
        if (windows.IsDefaultOrEmpty)
        {
            return [];
        }

        var kept = windows.Where(w => w.End > now).ToList();
        foreach (var w in windows.Where(w => w.End <= now && w.Every is not null).OrderBy(w => w.Start))
        {
            if (Next(w, now, kept) is { } next)
            {
                kept.Add(next);
            }
        }

        return [.. kept.OrderBy(w => w.Start)];
    }

    /// <summary>The first occurrence of a repeating window after <paramref name="ended"/> that ends after <paramref name="now"/> and overlaps none of <paramref name="others"/>.</summary>
    private static MaintenanceWindow? Next(MaintenanceWindow ended, DateTimeOffset now, List<MaintenanceWindow> others)
    {
        var every = ended.Every!.Value.Ticks;

        // The smallest count of periods that takes its end past now.
        var k = (now - ended.End).Ticks / every + 1;
        for (var tries = 0; tries < 100; tries++, k++)
        {
            var next = ended with { Start = ended.Start + TimeSpan.FromTicks(every * k) };
            if (!others.Any(o => o.Overlaps(next)))
            {
                return next;
            }
        }

        return null;
    }

    /// <summary>The window in force at <paramref name="now"/> (started, not ended), or null.</summary>
    public static MaintenanceWindow? InForce(ImmutableArray<MaintenanceWindow> windows, DateTimeOffset now)
    {
        foreach (var w in windows.IsDefault ? [] : windows)
        {
            if (w.Start <= now && now < w.End)
            {
                return w;
            }
        }

        return null;
    }

    /// <summary>
    /// The window that keeps work from starting on the node at <paramref name="at"/>: one whose notice has begun and
    /// which the run would reach, <paramref name="runsFor"/> being its max runtime (null: no limit, so it reaches every
    /// window). Null when the work may start.
    /// </summary>
    public static MaintenanceWindow? Blocking(ImmutableArray<MaintenanceWindow> windows, DateTimeOffset at, TimeSpan? runsFor)
    {
        foreach (var w in windows.IsDefault ? [] : windows)
        {
            if (at >= w.NoticeFrom && at < w.End && (runsFor is not { } limit || at + limit > w.Start))
            {
                return w;
            }
        }

        return null;
    }

    /// <summary>Why a node refuses work that <paramref name="window"/> blocks, naming the rule the work breaks.</summary>
    public static string Why(string nodeId, MaintenanceWindow window, DateTimeOffset at, TimeSpan? runsFor) =>
        at >= window.Start ? $"node {nodeId} is in maintenance until {MaintenanceWindow.Format(window.End)}: {window.Reason}"
        : $"node {nodeId} goes into maintenance at {MaintenanceWindow.Format(window.Start)} ({window.Reason}): "
            + (runsFor is { } limit
                ? $"a run of up to {Durations.Format(limit)} from now would reach it"
                : "only work with a max runtime that ends before then may start there");
}
