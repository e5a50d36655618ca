using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>The directory of nodes, so a reactivated scheduler can rebuild its index.</summary>
[KeepAlive]
public sealed class PoolGrain : Grain, IPoolGrain
{
    private readonly SortedSet<string> nodes = new(StringComparer.Ordinal);

    public Task AddNode(string nodeId)
    {
        nodes.Add(nodeId);
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<string>> GetNodes() => Task.FromResult(nodes.ToImmutableArray());
}
