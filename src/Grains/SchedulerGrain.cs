using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using Orion.Grains.Telemetry;

namespace Orion.Grains;

/// <summary>
/// Keeps the queue of pending tasks and an index of the pool's free capacity (versioned copies of the
/// node grains' snapshots). Places optimistically: the policy picks from the index, the node accepts or
/// refuses, and a refusal refreshes the index and retries.
/// </summary>
[KeepAlive]
public sealed class SchedulerGrain(IOptions<PoolOptions> options, ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain
{
    private readonly ClusterView view = new();
    private readonly PendingQueue queue = new();
    private IPlacementPolicy policy = null!;
    private long placements;
    private long refusals;

    // Set when a node's snapshot shows capacity the index did not have: only then can a queued task that did not fit before fit now.
    private bool freed;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        policy = new DataCenterPreferencePolicy(new OnlineAwarePolicy(PlacementPolicies.Create(options.Value.Policy)));
        var nodeIds = await GrainFactory.GetGrain<IPoolGrain>(GrainKeys.Pool).GetNodes();
        var snapshots = await Task.WhenAll(nodeIds.Select(id => GrainFactory.GetGrain<INodeGrain>(id).GetSnapshot()));
        foreach (var s in snapshots)
        {
            if (s is not null)
            {
                view.Upsert(NodeView.FromSnapshot(s));
            }
        }
    }

    public async Task Enqueue(QueuedTask task)
    {
        if (queue.Add(task))
        {
            var request = PlacementRequest.From(task.Spec);
            policy.Observe(request);

            // The queued tasks were tried when they came and nothing freed since: try the newcomer alone (O(1), not O(queue)).
            if (freed)
            {
                await Drain();
            }
            else
            {
                await TryPlace(task, request);
            }
        }
    }

    public Task<bool> Dequeue(string taskId) => Task.FromResult(queue.Remove(taskId));

    public async Task OnNodeChanged(NodeSnapshot node)
    {
        if (Refresh(node) && queue.Count > 0 && freed)
        {
            await Drain();
        }
    }

    public Task<SchedulerSnapshot> GetSnapshot() =>
        Task.FromResult(new SchedulerSnapshot(policy.Name, [.. queue.InOrder.Select(t => t.TaskId)], view.Nodes.Count, placements, refusals));

    /// <summary>Tries every queued task in order, placing each that fits (lower ones may use room a higher one cannot).</summary>
    private async Task Drain()
    {
        freed = false;
        foreach (var task in queue.InOrder.ToList())
        {
            await TryPlace(task, PlacementRequest.From(task.Spec));
        }
    }

    /// <summary>Places one queued task if anything takes it; a task that asked to fail rather than wait is failed when nothing does.</summary>
    private async Task TryPlace(QueuedTask task, PlacementRequest request)
    {
        var reason = "no node can take it now";
        var began = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var attempt = 0; attempt < options.Value.ReservationAttempts; attempt++)
        {
            var choice = policy.Choose(view, request);
            if (choice is null)
            {
                break;
            }

            var result = await GrainFactory.GetGrain<INodeGrain>(choice.Node.Id).Reserve(ToReservation(task, choice, request));
            Refresh(result.Node);
            if (result.Accepted)
            {
                queue.Remove(task.TaskId);
                placements++;
                var (compute, memory, _) = request.GpuCount == 0 ? (0, 0L, false) : ClusterView.SliceOn(choice.Gpus.First(), request);
                var placement = new TaskPlacement(choice.Node.Id, choice.Node.DataCenter, [.. choice.Gpus.Select(g => g.Id)], compute, memory);
                using (OrionTelemetry.Placed(task.TaskId, choice.Node.Id, choice.Node.DataCenter, System.Diagnostics.Stopwatch.GetElapsedTime(began)))
                {
                    // Inside the span, so the task's start joins the same trace.
                    await GrainFactory.GetGrain<IVGpuTaskGrain>(task.TaskId).OnPlaced(task.Generation, placement);
                }

                await GrainFactory.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Publish(
                    PoolEventKinds.Placement, task.TaskId, choice.Node.Id, $"{task.Spec.Name} ({task.Spec.Tenant}) on {string.Join(", ", placement.GpuIds)}", 0);
                return;
            }

            refusals++;
            reason = $"refused: {result.Reason}";
            logger.LogDebug("Node {NodeId} refused {TaskId} (attempt {Attempt}): {Reason}", choice.Node.Id, task.TaskId, attempt + 1, result.Reason);
        }

        if (task.Spec.Constraints.FailIfUnplaceable)
        {
            queue.Remove(task.TaskId);
            await GrainFactory.GetGrain<IVGpuTaskGrain>(task.TaskId).OnUnplaceable(task.Generation, reason);
        }
    }

    /// <summary>Takes a node's newer snapshot into the index; notes when it shows capacity the index did not have.</summary>
    private bool Refresh(NodeSnapshot snapshot)
    {
        var old = view.Find(snapshot.NodeId);
        var fresh = NodeView.FromSnapshot(snapshot);
        if (!view.Upsert(fresh))
        {
            return false;
        }

        freed |= old is null || HasMoreRoom(fresh, old);
        return true;
    }

    private static bool HasMoreRoom(NodeView fresh, NodeView old)
    {
        if (fresh.CpuFree > old.CpuFree || fresh.MemoryFree > old.MemoryFree || (fresh.Schedulable && !old.Schedulable)
            || fresh.SwapBudget > old.SwapBudget || fresh.Gpus.Length != old.Gpus.Length)
        {
            return true;
        }

        for (var i = 0; i < fresh.Gpus.Length; i++)
        {
            var (f, o) = (fresh.Gpus[i], old.Gpus[i]);
            if (f.ComputeFree > o.ComputeFree || f.MemoryFree > o.MemoryFree || f.Holders < o.Holders || f.PinnedMemory < o.PinnedMemory)
            {
                return true;
            }
        }

        return false;
    }

    private static ReservationRequest ToReservation(QueuedTask task, PlacementChoice choice, PlacementRequest request) =>
        new(task.TaskId, task.Generation, [.. choice.Gpus.Select(g => g.Id)],
            request.IsExclusive ? 1000 : request.ComputeMilli,
            request.IsExclusive ? 0 : request.GpuMemoryMiB,
            request.IsExclusive, request.CpuMilli, request.HostMemoryMiB, task.Spec.Priority, request.Swappable);
}
