using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>The names of the deployments that exist, kept in storage so they can be listed. Key: <see cref="GrainKeys.Pool"/>.</summary>
[Alias("orion.IDeploymentDirectoryGrain")]
public interface IDeploymentDirectoryGrain : IGrainWithStringKey
{
    /// <summary>A deployment's grain says whether it exists now, after its own write (idempotent).</summary>
    [Access(Callers.None)]
    [Alias("Set")]
    Task Set(string name, bool exists);

    /// <summary>The deployments' names, in order.</summary>
    [Access(Callers.Anyone)]
    [Alias("List"), ReadOnly]
    Task<ImmutableArray<string>> List();
}
