using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains.Placement;
using Orion.Grains.Scheduling;
using Orion.Grains.Telemetry;

namespace Orion.Grains;

/// <summary>
/// One data centre's scheduler (key: the data centre). Keeps the queue of the tasks whose home is this data centre and
/// an index of its nodes' free capacity (versioned copies of their node grains' snapshots). Places optimistically:
/// the policy picks from the index, the node accepts or refuses, and a refusal refreshes the index and retries.
/// A task that may run anywhere and does not fit here is offered to the other data centres before it queues, and
/// queued ones are offered again to a data centre that frees capacity; a task stays in exactly one queue, its home's.
/// </summary>
[KeepAlive]
[DataCenterPlacement]
public sealed class SchedulerGrain(
    IOptions<PoolOptions> options,
    DataCenterResidence residence,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain, IGrainMigrationParticipant
{
    private readonly ClusterView view = new();
    private readonly PendingQueue queue = new();
    private IPlacementPolicy policy = null!;
    private long placements;
    private long refusals;
    private DataCenterSummary? reported;

    // Set when a node's snapshot shows capacity the index did not have: only then can a queued task that did not fit before fit now.
    private bool freed;

    private string DataCenter => this.GetPrimaryKeyString();

    private IPoolGrain Pool => GrainFactory.GetGrain<IPoolGrain>(GrainKeys.Pool);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        policy = new DataCenterPreferencePolicy(new OnlineAwarePolicy(PlacementPolicies.Create(options.Value.Policy)));
        var nodeIds = (await Pool.GetNodes()).Where(id => GrainKeys.DataCenterOf(id) == DataCenter);
        var snapshots = await Task.WhenAll(nodeIds.Select(id => GrainFactory.GetGrain<INodeGrain>(id).GetSnapshot()));
        foreach (var s in snapshots)
        {
            if (s is not null)
            {
                view.Upsert(NodeView.FromSnapshot(s));
            }
        }

        // A scheduler lost with its silo (or moved) refills its queue at once from the catalogue, not at the tasks'
        // next reminder; queuing is idempotent per generation, so a task queued twice here is queued once.
        var pending = await GrainFactory.GetGrain<ITaskCatalogGrain>(GrainKeys.Pool)
            .List(new TaskQuery(State: TaskState.Pending, Limit: int.MaxValue, QueuedIn: DataCenter));
        var recovered = pending.Count(p => queue.Add(new QueuedTask(p.TaskId, p.Generation, p.Spec, p.SubmittedAt)));
        if (queue.Count > 0)
        {
            logger.LogInformation("Scheduler {DataCenter} activated with {Queued} queued tasks ({Recovered} from the catalogue)", DataCenter, queue.Count, recovered);
            freed = true;
            this.RegisterGrainTimer(Drain, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }

        var every = options.Value.ResidenceCheckInterval;
        this.RegisterGrainTimer(CheckResidence, new GrainTimerCreationOptions(every, every));
        var resync = options.Value.IndexResyncInterval;
        this.RegisterGrainTimer(Resync, new GrainTimerCreationOptions(resync, resync));
        Report();
    }

    public async Task Enqueue(QueuedTask task)
    {
        if (!queue.Add(task))
        {
            // Queued already (a task's recovery reminder, or a retried call): try it again now rather than only when
            // some node frees capacity, so a task that lost its attempts to a stale index is not stuck behind it.
            if (queue.Holds(task.TaskId, task.Generation))
            {
                await PlaceHere(task, PlacementRequest.From(task.Spec));
                Report();
            }

            return;
        }

        {
            var request = PlacementRequest.From(task.Spec);
            policy.Observe(request);

            // The queued tasks were tried when they came and nothing freed since: try the newcomer alone (O(1), not O(queue)).
            if (freed)
            {
                await Drain();
            }

            if (queue.Contains(task.TaskId))
            {
                await PlaceNewcomer(task, request);
            }

            Report();
        }
    }

    public Task<bool> Dequeue(string taskId)
    {
        var removed = queue.Remove(taskId);
        Report();
        return Task.FromResult(removed);
    }

    public async Task OnNodeChanged(NodeSnapshot node)
    {
        if (!Refresh(node))
        {
            return;
        }

        var roomFreed = freed;
        if (queue.Count > 0 && freed)
        {
            await Drain();
        }

        Report();
        if (roomFreed)
        {
            await TellOthersOfRoom();
        }
    }

    public async Task<bool> Offer(QueuedTask task)
    {
        var placed = await PlaceHere(task, PlacementRequest.From(task.Spec));
        if (placed.Placed)
        {
            Report();
        }

        return placed.Placed;
    }

    public async Task OnCapacityFreed(string dataCenter)
    {
        if (dataCenter == DataCenter)
        {
            return;
        }

        var other = GrainFactory.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler(dataCenter));
        foreach (var task in queue.InOrder.Where(t => DataCenterRoute.MayRunAnywhere(t.Spec)).ToList())
        {
            // Still queued here until the other data centre has placed it, so it is never in two queues.
            if (await other.Offer(task))
            {
                queue.Remove(task.TaskId);
                logger.LogDebug("Queued task {TaskId} spilled over from {DataCenter} to {Other}", task.TaskId, DataCenter, dataCenter);
            }
        }

        Report();
    }

    public Task<SchedulerSnapshot> GetSnapshot() =>
        Task.FromResult(new SchedulerSnapshot(
            policy.Name, [.. queue.InOrder.Select(t => t.TaskId)], view.Nodes.Count, placements, refusals, DataCenter, RuntimeIdentity));

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        // Moving to a silo of this data centre: the queue goes along (the index is rebuilt from the nodes).
        dehydrationContext.TryAddValue("queue", queue.InOrder.ToArray());
        dehydrationContext.TryAddValue("placements", placements);
        dehydrationContext.TryAddValue("refusals", refusals);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue<QueuedTask[]>("queue", out var queued) && queued is not null)
        {
            foreach (var task in queued)
            {
                queue.Add(task);
            }
        }

        rehydrationContext.TryGetValue("placements", out placements);
        rehydrationContext.TryGetValue("refusals", out refusals);
    }

    /// <summary>Tries every queued task here in order, placing each that fits (lower ones may use room a higher one cannot).</summary>
    private async Task Drain()
    {
        freed = false;
        foreach (var task in queue.InOrder.ToList())
        {
            await PlaceHere(task, PlacementRequest.From(task.Spec));
        }

        Report();
    }

    /// <summary>
    /// A newly queued task: here if it fits, else (when not pinned) in another data centre; a task that asked to fail
    /// rather than wait is failed when nothing in the pool takes it.
    /// </summary>
    private async Task PlaceNewcomer(QueuedTask task, PlacementRequest request)
    {
        var (placed, reason) = await PlaceHere(task, request);
        if (!placed && DataCenterRoute.MayRunAnywhere(task.Spec))
        {
            placed = await SpillOver(task);
        }

        if (!placed && task.Spec.Constraints.FailIfUnplaceable)
        {
            queue.Remove(task.TaskId);
            await GrainFactory.GetGrain<IVGpuTaskGrain>(task.TaskId).OnUnplaceable(task.Generation, reason);
        }
    }

    /// <summary>Offers a task to the other data centres, most room first; true when one placed it (it leaves this queue).</summary>
    private async Task<bool> SpillOver(QueuedTask task)
    {
        var others = (await Pool.GetDataCenters())
            .Where(d => d.DataCenter != DataCenter && d.Nodes > 0)
            .OrderByDescending(d => d.FreeComputeMilli).ThenBy(d => d.DataCenter, StringComparer.Ordinal);
        foreach (var other in others)
        {
            if (await GrainFactory.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler(other.DataCenter)).Offer(task))
            {
                queue.Remove(task.TaskId);
                logger.LogDebug("Task {TaskId} spilled over from {DataCenter} to {Other}", task.TaskId, DataCenter, other.DataCenter);
                return true;
            }
        }

        return false;
    }

    /// <summary>Tells the data centres whose queues hold tasks that may run anywhere that this one has more room now.</summary>
    private async Task TellOthersOfRoom()
    {
        foreach (var other in await Pool.GetDataCenters())
        {
            if (other.DataCenter != DataCenter && other.Spillable > 0)
            {
                await GrainFactory.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler(other.DataCenter)).OnCapacityFreed(DataCenter);
            }
        }
    }

    /// <summary>Places one task in this data centre if a node takes it (the task leaves this queue if it was in it).</summary>
    private async Task<(bool Placed, string Reason)> PlaceHere(QueuedTask task, PlacementRequest request)
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
                return (true, "");
            }

            refusals++;
            reason = $"refused: {result.Reason}";
            logger.LogDebug("Node {NodeId} refused {TaskId} (attempt {Attempt}): {Reason}", choice.Node.Id, task.TaskId, attempt + 1, result.Reason);
        }

        return (false, reason);
    }

    /// <summary>Pushes this data centre's summary to the pool (one-way) when it changed, for routing and spill-over.</summary>
    private void Report()
    {
        var summary = DataCenterRoute.Summarize(DataCenter, view, queue.InOrder);
        if (summary != reported)
        {
            reported = summary;
            Pool.OnDataCenterChanged(summary).Ignore();
        }
    }

    /// <summary>
    /// While tasks wait, re-reads every node's snapshot: pushes are one-way and a silo failure can lose one, and a
    /// queue waiting on an index that is wrong about free room would wait for an event that never comes.
    /// </summary>
    private async Task Resync()
    {
        if (queue.Count == 0)
        {
            return;
        }

        var snapshots = await Task.WhenAll(view.Nodes.Select(n => GrainFactory.GetGrain<INodeGrain>(n.Id).GetSnapshot()));
        foreach (var s in snapshots)
        {
            if (s is not null)
            {
                Refresh(s);
            }
        }

        if (freed)
        {
            await Drain();
        }
    }

    private Task CheckResidence()
    {
        if (residence.Misplaced(DataCenter))
        {
            logger.LogInformation("Scheduler {DataCenter} lives on another data centre's silo {Silo}: moving to its own", DataCenter, RuntimeIdentity);
            this.MigrateOnIdle();
        }

        return Task.CompletedTask;
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
