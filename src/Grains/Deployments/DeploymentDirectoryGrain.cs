using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Deployments;

/// <summary>Lists the deployments; each deployment's grain keeps it told, after its own write.</summary>
public sealed class DeploymentDirectoryGrain(
    [PersistentState("deployments", PoolOptions.StorageName)] IPersistentState<DeploymentDirectory> directory) : Grain, IDeploymentDirectoryGrain
{
    public async Task Set(string name, bool exists)
    {
        if (directory.State.Names.Contains(name) == exists)
        {
            return;
        }

        _ = exists ? directory.State.Names.Add(name) : directory.State.Names.Remove(name);
        try
        {
            await directory.WriteStateAsync();
        }
        catch
        {
            // Not listed unless stored: the deployment's next look tells again.
            _ = exists ? directory.State.Names.Remove(name) : directory.State.Names.Add(name);
            throw;
        }
    }

    public Task<ImmutableArray<string>> List() => Task.FromResult(directory.State.Names.ToImmutableArray());
}
