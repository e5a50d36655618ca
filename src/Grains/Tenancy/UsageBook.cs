using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Tenancy;

/// <summary>
/// A tenant's usage by UTC day, from its tasks' reports. A report carries the task's totals, so only what it adds beyond
/// the last one seen counts: a report sent again counts once, and one lost is made up by the next. What a report adds is
/// spread over its run since the span the task's last report covered (a run under way reports as it goes), day by day in
/// proportion to the time, and the same again under each of the task's labels and under the run's data centre. Pure; the
/// meter grain keeps its maps.
/// </summary>
public sealed class UsageBook(
    Dictionary<DateOnly, UsageDay> days, Dictionary<string, MeteredTask> tasks, Dictionary<string, Dictionary<DateOnly, UsageDay>>? labelled = null,
    Dictionary<string, Dictionary<DateOnly, UsageDay>>? inDataCenters = null)
{
    private readonly Dictionary<string, Dictionary<DateOnly, UsageDay>> labelled = labelled ?? new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<DateOnly, UsageDay>> inDataCenters = inDataCenters ?? new(StringComparer.Ordinal);

    /// <summary>How long an ended task is remembered, so a report of it sent again still counts once.</summary>
    public static readonly TimeSpan EndedKept = TimeSpan.FromDays(1);

    /// <summary>The most ended tasks remembered before the older than <see cref="EndedKept"/> are let go.</summary>
    public const int EndedLimit = 1024;

    private int ended = tasks.Values.Count(t => t.EndedAt is not null);

    /// <summary>What a run held: its compute in card-seconds and its GPU memory in MiB-seconds, over every card it had.</summary>
    public static (double CardSeconds, double MemoryMiBSeconds) Of(TaskPlacement placement, TimeSpan held) => placement.Held(held);

    /// <summary>
    /// Takes in a report: what it added (card-seconds, MiB-seconds), zero for an ending that adds nothing; null when it
    /// was a repeat, which changes nothing.
    /// </summary>
    public (double CardSeconds, double MemoryMiBSeconds)? Take(UsageReport report, DateTimeOffset now)
    {
        var last = tasks.GetValueOrDefault(report.TaskId);
        var card = report.CardSeconds - (last?.CardSeconds ?? 0);
        var memory = report.MemoryMiBSeconds - (last?.MemoryMiBSeconds ?? 0);
        var runs = report.Runs - (last?.Runs ?? 0);
        var ends = report.Final && last is not { EndedAt: not null };
        if (card <= 0 && memory <= 0 && runs <= 0 && !ends)
        {
            return null;
        }

        (card, memory) = (Math.Max(0, card), Math.Max(0, memory));

        // A run under way reported up to Through already: what is added now was held after it.
        var from = last?.Through is { } through && through > report.RunFrom ? (through < report.RunTo ? through : report.RunTo) : report.RunFrom;
        Spread(from, report.RunTo, card, memory, report);
        if (runs > 0)
        {
            Add(DateOnly.FromDateTime(report.RunTo.UtcDateTime), 0, 0, runs, report);
        }

        var endedAt = last?.EndedAt ?? (report.Final ? now : null);
        ended += last?.EndedAt is null && endedAt is not null ? 1 : 0;
        tasks[report.TaskId] = new MeteredTask(
            Math.Max(report.CardSeconds, last?.CardSeconds ?? 0), Math.Max(report.MemoryMiBSeconds, last?.MemoryMiBSeconds ?? 0), Math.Max(report.Runs, last?.Runs ?? 0), endedAt,
            last?.Through is { } seen && seen > report.RunTo ? seen : report.RunTo);
        if (ended > EndedLimit)
        {
            Forget(now);
        }

        return (card, memory);
    }

    /// <summary>The days from <paramref name="from"/> to <paramref name="to"/> (both included) with anything held, in order.</summary>
    public ImmutableArray<UsageDay> Days(DateOnly from, DateOnly to) =>
        [.. days.Values.Where(d => d.Day >= from && d.Day <= to).OrderBy(d => d.Day)];

    /// <summary>The days of the tasks carrying each value of label <paramref name="key"/>, by value (only values with days in the span).</summary>
    public ImmutableDictionary<string, ImmutableArray<UsageDay>> ByLabel(DateOnly from, DateOnly to, string key)
    {
        var prefix = key + "=";
        var byValue = ImmutableDictionary.CreateBuilder<string, ImmutableArray<UsageDay>>(StringComparer.Ordinal);
        foreach (var (label, labelDays) in labelled)
        {
            if (label.StartsWith(prefix, StringComparison.Ordinal)
                && labelDays.Values.Where(d => d.Day >= from && d.Day <= to).OrderBy(d => d.Day).ToImmutableArray() is { IsEmpty: false } inSpan)
            {
                byValue[label[prefix.Length..]] = inSpan;
            }
        }

        return byValue.ToImmutable();
    }

    /// <summary>The days from <paramref name="from"/> to <paramref name="to"/> (both included) of the runs in <paramref name="dataCenter"/>, in order.</summary>
    public ImmutableArray<UsageDay> InDataCenter(DateOnly from, DateOnly to, string dataCenter) =>
        inDataCenters.TryGetValue(dataCenter, out var there) ? [.. there.Values.Where(d => d.Day >= from && d.Day <= to).OrderBy(d => d.Day)] : [];

    /// <summary>The days of the runs in each data centre, by its name (only data centres with days in the span).</summary>
    public ImmutableDictionary<string, ImmutableArray<UsageDay>> ByDataCenter(DateOnly from, DateOnly to) =>
        inDataCenters.Keys.Select(dc => (dc, Days: InDataCenter(from, to, dc))).Where(d => !d.Days.IsEmpty).ToImmutableDictionary(d => d.dc, d => d.Days, StringComparer.Ordinal);

    /// <summary>For each task not ended: up to when its reports have counted what it held (a reader adds its run only from there).</summary>
    public ImmutableDictionary<string, DateTimeOffset> Through() =>
        tasks.Where(t => t.Value is { EndedAt: null, Through: not null }).ToImmutableDictionary(t => t.Key, t => t.Value.Through!.Value, StringComparer.Ordinal);

    private void Spread(DateTimeOffset from, DateTimeOffset to, double card, double memory, UsageReport report)
    {
        if (card <= 0 && memory <= 0)
        {
            return;
        }

        var start = from.UtcDateTime;
        var end = to.UtcDateTime;
        if (end <= start)
        {
            Add(DateOnly.FromDateTime(end), card, memory, 0, report);
            return;
        }

        var total = (end - start).Ticks;
        for (var at = start; at < end;)
        {
            var next = at.Date.AddDays(1) < end ? at.Date.AddDays(1) : end;
            var share = (double)(next - at).Ticks / total;
            Add(DateOnly.FromDateTime(at), card * share, memory * share, 0, report);
            at = next;
        }
    }

    private void Add(DateOnly day, double card, double memory, int runs, UsageReport report)
    {
        Add(days, day, card, memory, runs);
        if (report.DataCenter is { } dataCenter)
        {
            if (!inDataCenters.TryGetValue(dataCenter, out var there))
            {
                inDataCenters[dataCenter] = there = [];
            }

            Add(there, day, card, memory, runs);
        }

        foreach (var (key, value) in report.Labels ?? ImmutableDictionary<string, string>.Empty)
        {
            var label = $"{key}={value}";
            if (!labelled.TryGetValue(label, out var labelDays))
            {
                labelled[label] = labelDays = [];
            }

            Add(labelDays, day, card, memory, runs);
        }
    }

    private static void Add(Dictionary<DateOnly, UsageDay> into, DateOnly day, double card, double memory, int runs)
    {
        var had = into.GetValueOrDefault(day) ?? new UsageDay(day, 0, 0, 0);
        into[day] = had with { CardSeconds = had.CardSeconds + card, MemoryMiBSeconds = had.MemoryMiBSeconds + memory, Runs = had.Runs + runs };
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (id, task) in tasks.ToArray())
        {
            if (task.EndedAt is { } at && now - at > EndedKept)
            {
                tasks.Remove(id);
                ended--;
            }
        }
    }
}
