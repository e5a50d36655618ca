using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// This silo's copies of tenants' usage history in a data centre (their meters' days of the runs there,
/// <see cref="ITenantMeterGrain.ReadInDataCenter"/>), for fair sharing by usage history: a tenant's is read again once
/// older than <see cref="PoolOptions.FairShareHistoryMaxAge"/> (real time) or when days before its copy are asked for.
/// History moves slowly, and a round must not read every meter. A meter that cannot be read counts with its last copy, or
/// with none. A copy no round has asked for in <see cref="UnusedAges"/> times that age is let go, so tenants that stopped
/// queueing do not stay in every silo's memory.
/// </summary>
public sealed class TenantHistory(IGrainFactory grains, IOptions<PoolOptions> options, ILogger<TenantHistory> logger)
{
    /// <summary>How many times <see cref="PoolOptions.FairShareHistoryMaxAge"/> a copy is kept after a round last asked for it.</summary>
    public const int UnusedAges = 10;

    private readonly ConcurrentDictionary<(string Tenant, string DataCenter), Copy> copies = new();
    private long trimmedAt = Stopwatch.GetTimestamp();

    /// <summary>How many copies (a tenant's history in a data centre) this silo keeps.</summary>
    public int Copies => copies.Count;

    /// <summary>
    /// Each of <paramref name="tenants"/>' days in <paramref name="dataCenter"/> from <paramref name="from"/> to
    /// <paramref name="to"/> with anything held.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ImmutableArray<UsageDay>>> Days(IEnumerable<string> tenants, string dataCenter, DateOnly from, DateOnly to)
    {
        var maxAge = options.Value.FairShareHistoryMaxAge;
        Trim(maxAge);
        var days = new Dictionary<string, ImmutableArray<UsageDay>>(StringComparer.Ordinal);
        var stale = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            if (copies.TryGetValue((tenant, dataCenter), out var copy) && copy.From <= from && copy.To >= to && Stopwatch.GetElapsedTime(copy.At) < maxAge)
            {
                days[tenant] = copy.Days;
            }
            else
            {
                stale.Add(tenant);
            }
        }

        foreach (var (tenant, read) in await Task.WhenAll(stale.Select(t => Read(t, dataCenter, from, to))))
        {
            days[tenant] = read;
        }

        return days;
    }

    private async Task<(string Tenant, ImmutableArray<UsageDay> Days)> Read(string tenant, string dataCenter, DateOnly from, DateOnly to)
    {
        var at = Stopwatch.GetTimestamp();
        try
        {
            var days = (await grains.Grain<ITenantMeterGrain>(tenant).ReadInDataCenter(from, to, dataCenter)).Days;
            copies[(tenant, dataCenter)] = new Copy(from, to, days, at);
            return (tenant, days);
        }
        catch (Exception ex)
        {
            var last = copies.TryGetValue((tenant, dataCenter), out var copy) ? copy.Days : [];
            if (copy is not null)
            {
                // Counted with while its meter cannot be read: kept as long as rounds ask for it.
                Volatile.Write(ref copy.UsedAt, Stopwatch.GetTimestamp());
            }

            logger.LogWarning(ex, "The usage history of tenant {Tenant} in {DataCenter} could not be read: fair sharing counts {Source}", tenant, dataCenter, last.IsEmpty ? "none" : "its last copy");
            return (tenant, last.Where(d => d.Day >= from && d.Day <= to).ToImmutableArray());
        }
    }

    /// <summary>Lets go of the copies no round asked for lately; at most once per <paramref name="maxAge"/>, by one caller.</summary>
    private void Trim(TimeSpan maxAge)
    {
        var last = Interlocked.Read(ref trimmedAt);
        if (Stopwatch.GetElapsedTime(last) < maxAge || Interlocked.CompareExchange(ref trimmedAt, Stopwatch.GetTimestamp(), last) != last)
        {
            return;
        }

        foreach (var entry in copies)
        {
            if (Stopwatch.GetElapsedTime(Volatile.Read(ref entry.Value.UsedAt)) > maxAge * UnusedAges)
            {
                // Only that copy: one read afresh meanwhile stays.
                copies.TryRemove(entry);
            }
        }
    }

    /// <summary>
    /// A tenant's days from one day to another, when they were read, and when a round last used them (a copy used as it is
    /// is read again within the age limit, so only a last copy counted with for a meter that cannot be read outlives its read).
    /// </summary>
    private sealed record Copy(DateOnly From, DateOnly To, ImmutableArray<UsageDay> Days, long At)
    {
        public long UsedAt = At;
    }
}
