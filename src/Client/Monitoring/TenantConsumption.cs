using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>What a tenant's tasks held over some UTC days, for showback and chargeback.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="From">The first day counted (UTC).</param>
/// <param name="To">The last day counted (UTC, included).</param>
/// <param name="CardHours">Compute held, in card-hours: a half-card slice for two hours is 1, four whole cards for an hour 4.</param>
/// <param name="GpuMemoryGiBHours">GPU memory held, in GiB-hours.</param>
/// <param name="Runs">Runs that ended in those days.</param>
/// <param name="RunningNow">Runs under way now whose time so far is counted too.</param>
/// <param name="Days">Day by day (UTC): what the meter has counted, and runs under way up to now on the days they ran; the totals are their sums.</param>
/// <param name="Label">Split by a label's key: <c>key=value</c> of the tasks counted here, or <c>key</c> alone for the tenant's tasks without it; null when not split.</param>
/// <param name="DataCenter">
/// Split by data centre: the one the runs counted here were in, or empty for runs metered before reports named theirs;
/// null when not split.
/// </param>
public sealed record TenantConsumption(
    string Tenant, DateOnly From, DateOnly To, double CardHours, double GpuMemoryGiBHours, int Runs, int RunningNow, ImmutableArray<UsageDay> Days, string? Label = null,
    string? DataCenter = null)
{
    /// <summary>The longest span one question may cover.</summary>
    public const int MaxDays = 366;

    /// <summary>
    /// The meter's days plus what the runs under way (<paramref name="live"/>, the tenant's tasks holding capacity) have
    /// held inside the span since the meter last counted them, at <paramref name="now"/>.
    /// </summary>
    public static TenantConsumption Of(string tenant, DateOnly from, DateOnly to, UsageReading reading, IEnumerable<VGpuTaskStatus> live, DateTimeOffset now)
    {
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var days = reading.Days.ToDictionary(d => d.Day);
        var running = 0;
        foreach (var t in live)
        {
            if (t is not { Placement: { } p, PlacedAt: { } placed } || !t.State.HoldsCapacity())
            {
                continue;
            }

            if (placed < end)
            {
                running++;
            }

            // Counted by the meter up to Through already, when that is of this run.
            var counted = reading.Through.TryGetValue(t.TaskId, out var through) && through > placed ? through : placed;
            // What it held since, day by day (UTC), as the meter will count it.
            var until = (now < end ? now : end).UtcDateTime;
            for (var at = (counted > start ? counted : start).UtcDateTime; at < until;)
            {
                var next = at.Date.AddDays(1) < until ? at.Date.AddDays(1) : until;
                var held = p.Held(next - at);
                var day = DateOnly.FromDateTime(at);
                var had = days.GetValueOrDefault(day) ?? new UsageDay(day, 0, 0, 0);
                days[day] = had with { CardSeconds = had.CardSeconds + held.CardSeconds, MemoryMiBSeconds = had.MemoryMiBSeconds + held.MemoryMiBSeconds };
                at = next;
            }
        }

        ImmutableArray<UsageDay> byDay = [.. days.Values.OrderBy(d => d.Day)];
        return new TenantConsumption(
            tenant, from, to, byDay.Sum(d => d.CardSeconds) / 3600, byDay.Sum(d => d.MemoryMiBSeconds) / 1024 / 3600, byDay.Sum(d => d.Runs), running, byDay);
    }

    /// <summary>
    /// As <see cref="Of"/>, once for each value of label <paramref name="key"/> (the meter's days under that value, and the
    /// runs under way carrying it), and once for the tenant's tasks without the label (the rest), ordered by value.
    /// </summary>
    public static IEnumerable<TenantConsumption> ByLabel(string tenant, DateOnly from, DateOnly to, UsageReading reading, IReadOnlyCollection<VGpuTaskStatus> live, DateTimeOffset now, string key)
    {
        static string? ValueOf(VGpuTaskStatus t, string key) => t.Spec.Labels is { } labels && labels.TryGetValue(key, out var v) ? v : null;
        var byValue = reading.ByLabel ?? ImmutableDictionary<string, ImmutableArray<UsageDay>>.Empty;
        foreach (var value in byValue.Keys.Union(live.Select(t => ValueOf(t, key)).OfType<string>(), StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            yield return Of(tenant, from, to, reading with { Days = byValue.GetValueOrDefault(value, []) }, live.Where(t => ValueOf(t, key) == value), now) with { Label = $"{key}={value}" };
        }

        // The tenant's days less those of every value: what its tasks without the label held.
        yield return Of(tenant, from, to, reading with { Days = Rest(reading.Days, byValue) }, live.Where(t => ValueOf(t, key) is null), now) with { Label = key };
    }

    /// <summary>
    /// As <see cref="Of"/>, once for each data centre the tenant's runs were in (the meter's days there, and the runs under
    /// way there), ordered by name, and once (<see cref="DataCenter"/> empty) for what was metered before reports named theirs.
    /// </summary>
    public static IEnumerable<TenantConsumption> ByDataCenter(string tenant, DateOnly from, DateOnly to, UsageReading reading, IReadOnlyCollection<VGpuTaskStatus> live, DateTimeOffset now)
    {
        var byName = reading.ByDataCenter ?? ImmutableDictionary<string, ImmutableArray<UsageDay>>.Empty;
        foreach (var dataCenter in byName.Keys.Union(live.Select(t => t.Placement?.DataCenter).OfType<string>(), StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            yield return Of(tenant, from, to, reading with { Days = byName.GetValueOrDefault(dataCenter, []) }, live.Where(t => t.Placement?.DataCenter == dataCenter), now)
                with { DataCenter = dataCenter };
        }

        yield return Of(tenant, from, to, reading with { Days = Rest(reading.Days, byName) }, [], now) with { DataCenter = "" };
    }

    // A tenant's days less those of each part it is split into.
    private static ImmutableArray<UsageDay> Rest(ImmutableArray<UsageDay> days, ImmutableDictionary<string, ImmutableArray<UsageDay>> parts) =>
        [.. days.Select(d => parts.Values.SelectMany(v => v).Where(l => l.Day == d.Day).Aggregate(d, (left, l) =>
            left with { CardSeconds = left.CardSeconds - l.CardSeconds, MemoryMiBSeconds = left.MemoryMiBSeconds - l.MemoryMiBSeconds, Runs = left.Runs - l.Runs }))];
}
