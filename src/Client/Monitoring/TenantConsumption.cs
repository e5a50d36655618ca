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
/// <param name="Days">Day by day, as the meter has counted: ended runs, and runs under way up to their last report (the rest of those is in the totals, not here).</param>
public sealed record TenantConsumption(
    string Tenant, DateOnly From, DateOnly To, double CardHours, double GpuMemoryGiBHours, int Runs, int RunningNow, ImmutableArray<UsageDay> Days)
{
    /// <summary>The longest span one question may cover.</summary>
    public const int MaxDays = 366;

    /// <summary>
    /// The meter's days plus what the runs under way (<paramref name="live"/>, the tenant's tasks holding capacity) have
    /// held inside the span since the meter last counted them, at <paramref name="now"/>.
    /// </summary>
    public static TenantConsumption Of(string tenant, DateOnly from, DateOnly to, UsageReading reading, IEnumerable<VGpuTaskStatus> live, DateTimeOffset now)
    {
        var days = reading.Days;
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        double card = days.Sum(d => d.CardSeconds), memory = days.Sum(d => d.MemoryMiBSeconds);
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
            var span = (now < end ? now : end) - (counted > start ? counted : start);
            if (span > TimeSpan.Zero)
            {
                var held = p.Held(span);
                card += held.CardSeconds;
                memory += held.MemoryMiBSeconds;
            }
        }

        return new TenantConsumption(tenant, from, to, card / 3600, memory / 1024 / 3600, days.Sum(d => d.Runs), running, days);
    }
}
