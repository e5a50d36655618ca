using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// The pool's data centre summaries as this silo last heard them, asked for again once older than
/// <see cref="PoolOptions.DataCenterSummaryMaxAge"/>. Choosing a task's home needs a rough idea of where room is (the
/// summaries are a round old anyway, and a full home spills over), not a call to the one pool grain per submission.
/// </summary>
public sealed class DataCenterSummaries
{
    private readonly SiloCopy<ImmutableArray<DataCenterSummary>> copy;

    /// <summary>Ages the copy in real time, not on the Orion clock: a test's stopped clock must not freeze a cache.</summary>
    public DataCenterSummaries(IGrainFactory grains, IOptions<PoolOptions> options)
        : this(grains, options, TimeProvider.System)
    {
    }

    /// <summary>Ages the copy on <paramref name="clock"/>.</summary>
    public DataCenterSummaries(IGrainFactory grains, IOptions<PoolOptions> options, TimeProvider clock) =>
        copy = new(
            () => grains.Grain<IPoolGrain>(GrainKeys.Pool).GetDataCenters(),
            () => options.Value.DataCenterSummaryMaxAge,
            // A pool with no node anywhere yet is not worth keeping: nodes are about to register.
            summaries => summaries.Any(d => d.Nodes > 0),
            clock);

    /// <summary>The summaries, from this silo's copy while it is fresh enough.</summary>
    public Task<ImmutableArray<DataCenterSummary>> Get() => copy.Get();
}
