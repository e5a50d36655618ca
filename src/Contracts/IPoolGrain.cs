using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>The directory of registered nodes. Key: <see cref="GrainKeys.Pool"/>.</summary>
[Alias("orion.IPoolGrain")]
public interface IPoolGrain : IGrainWithStringKey
{
    /// <summary>Records a node id (idempotent).</summary>
    [Alias("AddNode")]
    Task AddNode(string nodeId);

    /// <summary>All known node ids.</summary>
    [Alias("GetNodes"), ReadOnly]
    Task<ImmutableArray<string>> GetNodes();
}
