using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// The directory of registered nodes and of the data centres they are in, with each data centre's summary as its
/// scheduler last pushed it; the pool-wide view of the schedulers. Key: <see cref="GrainKeys.Pool"/>.
/// </summary>
[Alias("orion.IPoolGrain")]
public interface IPoolGrain : IGrainWithStringKey
{
    /// <summary>Records a node id (idempotent); true when it was new to this activation.</summary>
    [Access(Callers.None)]
    [Alias("AddNode")]
    Task<bool> AddNode(string nodeId);

    /// <summary>
    /// Who the pool takes the calling client for ("token 'ci' (tenant search)", with ", expires 2026-12-31 16:00:00Z" for
    /// a token that expires); null when it requires no token.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("WhoAmI"), AlwaysInterleave]
    Task<string?> WhoAmI();

    /// <summary>All known node ids.</summary>
    [Access(Callers.Anyone)]
    [Alias("GetNodes"), ReadOnly]
    Task<ImmutableArray<string>> GetNodes();

    /// <summary>A data centre's scheduler pushes its summary when it changes.</summary>
    [Access(Callers.None)]
    [Alias("OnDataCenterChanged"), OneWay]
    Task OnDataCenterChanged(DataCenterSummary summary);

    /// <summary>
    /// Every data centre a node registered in, and one no node reports to while its scheduler queues tasks, with its
    /// latest summary, by name.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("GetDataCenters"), ReadOnly]
    Task<ImmutableArray<DataCenterSummary>> GetDataCenters();

    /// <summary>
    /// The data centres' schedulers summed: queues in turn by data-centre name, counts added, each one's own snapshot
    /// under <see cref="SchedulerSnapshot.DataCenters"/>. Interleaves: it only reads and asks the schedulers.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("GetSchedulerSnapshot"), AlwaysInterleave]
    Task<SchedulerSnapshot> GetSchedulerSnapshot();
}
