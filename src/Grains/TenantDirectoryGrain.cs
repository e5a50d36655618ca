using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Lists the tenants that have a quota, and their weights; each tenant's grain keeps it told, after its own write.</summary>
public sealed class TenantDirectoryGrain(
    [PersistentState("tenants", PoolOptions.StorageName)] IPersistentState<TenantDirectory> directory) : Grain, ITenantDirectoryGrain
{
    private ImmutableDictionary<string, double>? weights;
    private ImmutableDictionary<string, TimeSpan>? idleTimeouts;

    public async Task Set(string tenant, TenantQuota? quota)
    {
        var listed = directory.State.Tenants.Contains(tenant);
        var weight = quota?.Weight is { } w && w != 1 ? w : (double?)null;
        var weighted = directory.State.Weights.TryGetValue(tenant, out var had) ? had : (double?)null;
        var idle = quota?.IdleTimeout;
        var idled = directory.State.IdleTimeouts.TryGetValue(tenant, out var hadIdle) ? hadIdle : (TimeSpan?)null;
        if (listed == quota is not null && weighted == weight && idled == idle)
        {
            return;
        }

        Apply(tenant, quota is not null, weight, idle);
        try
        {
            await directory.WriteStateAsync();
        }
        catch
        {
            // Not listed unless stored: the tenant's SetQuota fails, and its retry tells again.
            Apply(tenant, listed, weighted, idled);
            throw;
        }
    }

    public Task<ImmutableDictionary<string, TimeSpan>> IdleTimeouts() =>
        Task.FromResult(idleTimeouts ??= directory.State.IdleTimeouts.ToImmutableDictionary(StringComparer.Ordinal));

    public Task<ImmutableArray<string>> List() => Task.FromResult(directory.State.Tenants.ToImmutableArray());

    public async Task Metered(string tenant)
    {
        if (directory.State.Metered.Add(tenant))
        {
            try
            {
                await directory.WriteStateAsync();
            }
            catch
            {
                // Not listed unless stored: the meter tells again at its next report.
                directory.State.Metered.Remove(tenant);
                throw;
            }
        }
    }

    public Task<ImmutableArray<string>> ListMetered() => Task.FromResult(directory.State.Metered.ToImmutableArray());

    public Task<ImmutableDictionary<string, double>> Weights() =>
        Task.FromResult(weights ??= directory.State.Weights.ToImmutableDictionary(StringComparer.Ordinal));

    private void Apply(string tenant, bool listed, double? weight, TimeSpan? idle)
    {
        if (idle is { } timeout)
        {
            directory.State.IdleTimeouts[tenant] = timeout;
        }
        else
        {
            directory.State.IdleTimeouts.Remove(tenant);
        }

        idleTimeouts = null;
        _ = listed ? directory.State.Tenants.Add(tenant) : directory.State.Tenants.Remove(tenant);
        if (weight is { } w)
        {
            directory.State.Weights[tenant] = w;
        }
        else
        {
            directory.State.Weights.Remove(tenant);
        }

        weights = null;
    }
}
