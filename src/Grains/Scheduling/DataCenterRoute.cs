using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Which data centre's scheduler a task queues in (its home). Pure: no Orleans types. A pinned task goes to its data
/// centre, a task with a preference to the preferred one; any other goes to the data centre with the most room for
/// it by the schedulers' summaries (idle cards for whole-card work, free compute for a slice), then the shortest
/// queue, then the name; with no node registered anywhere, to the fallback.
/// </summary>
public static class DataCenterRoute
{
    public static string Home(PlacementRequest request, IEnumerable<DataCenterSummary> dataCenters, string fallback)
    {
        if (request.DataCenter is { } pinned)
        {
            return pinned;
        }

        if (request.PreferredDataCenter is { } preferred)
        {
            return preferred;
        }

        var wholeCards = request.IsExclusive;
        return dataCenters
            .Where(d => d.Nodes > 0)
            .OrderByDescending(d => wholeCards ? d.IdleCards : d.FreeComputeMilli)
            .ThenBy(d => d.Queued)
            .ThenBy(d => d.DataCenter, StringComparer.Ordinal)
            .Select(d => d.DataCenter)
            .FirstOrDefault() ?? fallback;
    }

    /// <summary>
    /// The home of a gang's members that neither pin nor prefer a data centre: every member must queue in the same one,
    /// though each picks its home alone and the room moves between their submits, so the choice is by the gang's name
    /// over the data centres with nodes (sorted by name), not by room.
    /// </summary>
    public static string GangHome(string tenant, GangSpec gang, IEnumerable<DataCenterSummary> dataCenters, string fallback)
    {
        var names = dataCenters.Where(d => d.Nodes > 0).Select(d => d.DataCenter).Order(StringComparer.Ordinal).ToArray();
        if (names.Length == 0)
        {
            return fallback;
        }

        // A hash that is the same in every process (string.GetHashCode is not).
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}/{gang.Name}/{gang.Size}"));
        return names[BinaryPrimitives.ReadUInt32LittleEndian(hash) % (uint)names.Length];
    }

    /// <summary>
    /// A task not pinned to a data centre may be placed in any when its home is full; a gang's member never is, as its
    /// gang is placed together in one data centre.
    /// </summary>
    public static bool MayRunAnywhere(TaskSpec spec) => spec.Constraints.DataCenter is null && spec.Gang is null;

    /// <summary>The summary a data centre's scheduler reports: its schedulable nodes' room and its queue.</summary>
    public static DataCenterSummary Summarize(string dataCenter, ClusterView view, IEnumerable<QueuedTask> queue)
    {
        // Plain loops over each node's cached room: the scheduler summarizes after every round.
        var (nodes, idleCards, freeCompute) = (0, 0, 0L);
        foreach (var n in view.Nodes)
        {
            if (!n.Schedulable)
            {
                continue;
            }

            nodes++;
            var (idle, free) = n.Room;
            idleCards += idle;
            freeCompute += free;
        }

        var (queued, spillable) = (0, 0);
        foreach (var t in queue)
        {
            queued++;
            spillable += MayRunAnywhere(t.Spec) ? 1 : 0;
        }

        return new DataCenterSummary(dataCenter, nodes, idleCards, freeCompute, queued, spillable);
    }
}
