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

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        policy = new OnlineAwarePolicy(PlacementPolicies.Create(options.Value.Policy));
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
            policy.Observe(PlacementRequest.From(task.Spec));
            await Drain();
        }
    }

    public Task<bool> Dequeue(string taskId) => Task.FromResult(queue.Remove(taskId));

    public async Task OnNodeChanged(NodeSnapshot node)
    {
        if (view.Upsert(NodeView.FromSnapshot(node)) && queue.Count > 0)
        {
            await Drain();
        }
    }

    public Task<SchedulerSnapshot> GetSnapshot() =>
        Task.FromResult(new SchedulerSnapshot(policy.Name, [.. queue.InOrder.Select(t => t.TaskId)], view.Nodes.Count, placements, refusals));

    /// <summary>Tries every queued task in order, placing each that fits (lower ones may use room a higher one cannot).</summary>
    private async Task Drain()
    {
        foreach (var task in queue.InOrder.ToList())
        {
            var request = PlacementRequest.From(task.Spec);
            var began = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var attempt = 0; attempt < options.Value.ReservationAttempts; attempt++)
            {
                var choice = policy.Choose(view, request);
                if (choice is null)
                {
                    break;
                }

                var result = await GrainFactory.GetGrain<INodeGrain>(choice.Node.Id).Reserve(ToReservation(task, choice, request));
                view.Upsert(NodeView.FromSnapshot(result.Node));
                if (result.Accepted)
                {
                    queue.Remove(task.TaskId);
                    placements++;
                    var placement = new TaskPlacement(choice.Node.Id, choice.Node.DataCenter, [.. choice.Gpus.Select(g => g.Id)],
                        request.IsExclusive ? 1000 : request.ComputeMilli, request.GpuCount == 0 ? 0 : Feasibility.MemoryNeed(choice.Gpus.First(), request));
                    using (OrionTelemetry.Placed(task.TaskId, choice.Node.Id, choice.Node.DataCenter, System.Diagnostics.Stopwatch.GetElapsedTime(began)))
                    {
                        // Inside the span, so the task's start joins the same trace.
                        await GrainFactory.GetGrain<IVGpuTaskGrain>(task.TaskId).OnPlaced(task.Generation, placement);
                    }

                    await GrainFactory.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Publish(
                        PoolEventKinds.Placement, task.TaskId, choice.Node.Id, $"{task.Spec.Name} ({task.Spec.Tenant}) on {string.Join(", ", placement.GpuIds)}", 0);
                    break;
                }

                refusals++;
                logger.LogDebug("Node {NodeId} refused {TaskId} (attempt {Attempt}): {Reason}", choice.Node.Id, task.TaskId, attempt + 1, result.Reason);
            }
        }
    }

    private static ReservationRequest ToReservation(QueuedTask task, PlacementChoice choice, PlacementRequest request) =>
        new(task.TaskId, task.Generation, [.. choice.Gpus.Select(g => g.Id)],
            request.IsExclusive ? 1000 : request.ComputeMilli,
            request.IsExclusive ? 0 : request.GpuMemoryMiB,
            request.IsExclusive, request.CpuMilli, request.HostMemoryMiB, task.Spec.Priority, request.Swappable);
}
