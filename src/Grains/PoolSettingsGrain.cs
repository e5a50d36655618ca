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
    public Task<PoolSettings> Get() => Task.FromResult(record.State.Settings ?? options.Value.Settings());

    public async Task<PoolSettings> Update(string? policy, double? computeOversubscription, double? memoryOversubscription, bool? evictLowerPriority = null)
    {
        // Checked here too, for callers past the SDK.
        var errors = PoolSettingsRules.Check(policy, computeOversubscription, memoryOversubscription);
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
        };

        if (next == now)
        {
            return now;
        }

        var before = record.State.Settings;
        record.State.Settings = next with { Version = now.Version + 1, ChangedAt = time.GetUtcNow() };
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

        logger.LogInformation("Pool settings changed to {Settings}", record.State.Settings);
        return record.State.Settings;
    }
}
