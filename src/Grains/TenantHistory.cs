using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// This silo's copies of tenants' usage history in a data centre (their meters' days of the runs there,
/// <see cref="ITenantMeterGrain.ReadInDataCenter"/>), for fair sharing by usage history: a tenant's is read again once older than <see cref="PoolOptions.FairShareHistoryMaxAge"/> (real time)
/// or when days before its copy are asked for. History moves slowly, and a round must not read every meter. A meter that
/// cannot be read counts with its last copy, or with none.
/// </summary>
public sealed class TenantHistory(IGrainFactory grains, IOptions<PoolOptions> options, ILogger<TenantHistory> logger)
{
    private readonly ConcurrentDictionary<(string Tenant, string DataCenter), Copy> copies = new();

    /// <summary>
    /// Each of <paramref name="tenants"/>' days in <paramref name="dataCenter"/> from <paramref name="from"/> to
    /// <paramref name="to"/> with anything held.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ImmutableArray<UsageDay>>> Days(IEnumerable<string> tenants, string dataCenter, DateOnly from, DateOnly to)
    {
        var maxAge = options.Value.FairShareHistoryMaxAge;
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
            logger.LogWarning(ex, "The usage history of tenant {Tenant} in {DataCenter} could not be read: fair sharing counts {Source}", tenant, dataCenter, last.IsEmpty ? "none" : "its last copy");
            return (tenant, last.Where(d => d.Day >= from && d.Day <= to).ToImmutableArray());
        }
    }

    /// <summary>A tenant's days from one day to another, and when they were asked for.</summary>
    private sealed record Copy(DateOnly From, DateOnly To, ImmutableArray<UsageDay> Days, long At);
}
