using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Keeps the pool's live settings; until the first change they are the configuration of the silo it lives on.</summary>
public sealed class PoolSettingsGrain(
    [PersistentState("settings", PoolOptions.StorageName)] IPersistentState<PoolSettingsRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    IOptions<PoolOptions> options,
    ILogger<PoolSettingsGrain> logger) : Grain, IPoolSettingsGrain
{
    // The default quota is kept apart, so settings stored before it existed do not hide the configuration's.
    public Task<PoolSettings> Get() => Task.FromResult((record.State.Settings ?? options.Value.Settings()) with
    {
        DefaultQuota = record.State.DefaultQuotaSet ? record.State.DefaultQuota : options.Value.DefaultQuota.Quota,
    });

    public async Task<PoolSettings> SetDefaultQuota(TenantQuota? quota)
    {
        // Checked here too, for callers past the SDK.
        var errors = PoolSettingsRules.CheckDefaultQuota(quota);
        if (!errors.IsEmpty)
        {
            throw new ArgumentException(string.Join("; ", errors), errors[0].Field);
        }

        var next = quota is { IsEmpty: false } ? quota : null;
        var now = await Get();
        if (next == now.DefaultQuota && record.State.DefaultQuotaSet)
        {
            return now;
        }

        var before = (record.State.Settings, record.State.DefaultQuotaSet, record.State.DefaultQuota);
        record.State.Settings = Stored(now with { Version = now.Version + 1, ChangedAt = time.GetUtcNow() });
        (record.State.DefaultQuotaSet, record.State.DefaultQuota) = (true, next);
        try
        {
            await record.WriteStateAsync();
        }
        catch
        {
            // Not in force unless stored.
            (record.State.Settings, record.State.DefaultQuotaSet, record.State.DefaultQuota) = before;
            throw;
        }

        logger.LogInformation("Pool default quota set to {Quota}", next);
        Changed($"default quota: {next?.Summary() ?? "none"}");
        return await Get();
    }

    public async Task<PoolSettings> Update(
        string? policy, double? computeOversubscription, double? memoryOversubscription, bool? evictLowerPriority = null, bool? consolidate = null,
        TimeSpan? fairShareHalfLife = null, bool? fairShareEviction = null)
    {
        // Checked here too, for callers past the SDK.
        var errors = PoolSettingsRules.Check(policy, computeOversubscription, memoryOversubscription, fairShareHalfLife);
        if (!errors.IsEmpty)
        {
            throw new ArgumentException(string.Join("; ", errors), errors[0].Field);
        }

        var now = await Get();
        var next = now with
        {
            Policy = policy?.Trim().ToLowerInvariant() ?? now.Policy,
            ComputeOversubscription = computeOversubscription ?? now.ComputeOversubscription,
            MemoryOversubscription = memoryOversubscription ?? now.MemoryOversubscription,
            EvictLowerPriority = evictLowerPriority ?? now.EvictLowerPriority,
            Consolidate = consolidate ?? now.Consolidate,
            FairShareHalfLife = fairShareHalfLife is { } halfLife ? (halfLife > TimeSpan.Zero ? halfLife : null) : now.FairShareHalfLife,
            FairShareEviction = fairShareEviction ?? now.FairShareEviction,
        };

        if (next == now)
        {
            return now;
        }

        var before = record.State.Settings;
        record.State.Settings = Stored(next with { Version = now.Version + 1, ChangedAt = time.GetUtcNow() });
        try
        {
            await record.WriteStateAsync();
        }
        catch
        {
            // Not in force unless stored.
            record.State.Settings = before;
            throw;
        }

        var changed = await Get();
        logger.LogInformation("Pool settings changed to {Settings}", changed);
        Changed(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"policy {next.Policy}, compute ×{next.ComputeOversubscription:0.##}, memory ×{next.MemoryOversubscription:0.##}, evict lower priority {(next.EvictLowerPriority ? "on" : "off")}, consolidate {(next.Consolidate ? "on" : "off")}, " +
            $"fair share {(next.FairShareHalfLife is { } h ? $"by usage (half-life {Durations.Format(h)})" : "by holdings now")}" +
            $"{(next.FairShareEviction ? ", evicts for fair share" : "")}"));
        return changed;
    }

    /// <summary>The settings as stored: the default quota is kept in its own fields (<see cref="Get"/> puts it in).</summary>
    private static PoolSettings Stored(PoolSettings settings) => settings with { DefaultQuota = null };

    /// <summary>Tells the pool's feed what the settings are now, and who changed them.</summary>
    private void Changed(string detail) =>
        GrainFactory.Grain<IPoolEventsGrain>(GrainKeys.Pool).Publish(PoolEventKinds.SettingsChange, "", "pool", RequestedBy.Noted(detail), 0).Ignore();
}
