using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Grains;

/// <summary>
/// The directory of nodes (so a reactivated scheduler can rebuild its index) and of data centres with their
/// schedulers' latest summaries (to route tasks and to find where spill-over may go); sums the schedulers for the
/// pool-wide views. A data centre no node reports to is listed only while its scheduler queues tasks
/// (<see cref="DataCenterListing"/>), so names clients made up do not pile up here, nor keep their schedulers active.
/// </summary>
[KeepAlive]
public sealed class PoolGrain : Grain, IPoolGrain
{
    private readonly SortedSet<string> nodes = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, DataCenterSummary> dataCenters = new(StringComparer.Ordinal);
    private readonly HashSet<string> withNodes = new(StringComparer.Ordinal);

    public Task<string?> WhoAmI() => Task.FromResult(RequestContext.Get(AccessToken.CallerKey) is string caller
        ? RequestContext.Get(AccessToken.CallerExpiresKey) is DateTimeOffset expires ? $"{caller}, expires {expires.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : caller
        : null);

    public Task<bool> AddNode(string nodeId)
    {
        var dataCenter = GrainKeys.DataCenterOf(nodeId);
        withNodes.Add(dataCenter);
        dataCenters.TryAdd(dataCenter, DataCenterSummary.Unknown(dataCenter));
        return Task.FromResult(nodes.Add(nodeId));
    }

    public Task<ImmutableArray<string>> GetNodes() => Task.FromResult(nodes.ToImmutableArray());

    public Task OnDataCenterChanged(DataCenterSummary summary)
    {
        if (DataCenterListing.Keeps(summary, withNodes.Contains(summary.DataCenter)))
        {
            dataCenters[summary.DataCenter] = summary;
        }
        else
        {
            // Its last queued task left and no node reports to it: its scheduler lets go, and nothing here asks for it again.
            dataCenters.Remove(summary.DataCenter);
        }

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
