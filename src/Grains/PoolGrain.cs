using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// The directory of nodes (so a reactivated scheduler can rebuild its index) and of data centres with their
/// schedulers' latest summaries (to route tasks and to find where spill-over may go); sums the schedulers for the
/// pool-wide views.
/// </summary>
[KeepAlive]
public sealed class PoolGrain : Grain, IPoolGrain
{
    private readonly SortedSet<string> nodes = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, DataCenterSummary> dataCenters = new(StringComparer.Ordinal);

    public Task<bool> AddNode(string nodeId)
    {
        dataCenters.TryAdd(GrainKeys.DataCenterOf(nodeId), DataCenterSummary.Unknown(GrainKeys.DataCenterOf(nodeId)));
        return Task.FromResult(nodes.Add(nodeId));
    }

    public Task<ImmutableArray<string>> GetNodes() => Task.FromResult(nodes.ToImmutableArray());

    public Task OnDataCenterChanged(DataCenterSummary summary)
    {
        dataCenters[summary.DataCenter] = summary;
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<DataCenterSummary>> GetDataCenters() => Task.FromResult(dataCenters.Values.ToImmutableArray());

    public async Task<SchedulerSnapshot> GetSchedulerSnapshot()
    {
        var each = await Task.WhenAll(dataCenters.Keys.ToList().Select(dc => GrainFactory.Grain<ISchedulerGrain>(GrainKeys.Scheduler(dc)).GetSnapshot()));
        return new SchedulerSnapshot(
            each.FirstOrDefault()?.Policy ?? "",
            [.. each.SelectMany(s => s.Queue)],
            each.Sum(s => s.Nodes),
            each.Sum(s => s.Placements),
            each.Sum(s => s.Refusals),
            DataCenters: [.. each],
            Rounds: each.Sum(s => s.Rounds));
    }
}
