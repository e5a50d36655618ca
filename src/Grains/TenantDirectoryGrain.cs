using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Lists the tenants that have a quota; each tenant's grain keeps it told, after its own write.</summary>
public sealed class TenantDirectoryGrain(
    [PersistentState("tenants", PoolOptions.StorageName)] IPersistentState<TenantDirectory> directory) : Grain, ITenantDirectoryGrain
{
    public async Task Set(string tenant, bool hasQuota)
    {
        var changed = hasQuota ? directory.State.Tenants.Add(tenant) : directory.State.Tenants.Remove(tenant);
        if (!changed)
        {
            return;
        }

        try
        {
            await directory.WriteStateAsync();
        }
        catch
        {
            // Not listed unless stored: the tenant's SetQuota fails, and its retry tells again.
            _ = hasQuota ? directory.State.Tenants.Remove(tenant) : directory.State.Tenants.Add(tenant);
            throw;
        }
    }

    public Task<ImmutableArray<string>> List() => Task.FromResult(directory.State.Tenants.ToImmutableArray());
}
