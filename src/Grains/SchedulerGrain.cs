using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
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
/// Places in rounds: tasks that arrive while a round's reservations are out wait for the next round, which decides
/// for all of them in one turn (<see cref="PlacementRound"/>) and sends their reservations together. One round at a
/// time, run by a loop of its own (<see cref="Pump"/>). A node's newer account waits while reservations to it are
/// out, so the view keeps the decisions it applied for them and frees only what the node really freed.
/// Stays active while it indexes a node or queues a task; one that holds neither (a data centre no node reports to,
/// whose tasks are gone) lets go of its activation (<see cref="SchedulerRelease"/>), and a later task or node brings it back.
/// </summary>
[KeepAlive]
[DataCenterPlacement]
public sealed class SchedulerGrain(
    IOptions<PoolOptions> options,
    PoolSettingsView settings,
    TenantWeights weights,
    TenantHistory history,
    DataCenterResidence residence,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain, IGrainMigrationParticipant
{
    private readonly ClusterView view = new();

    // What each tenant holds here, for the fair order of each round.
    private readonly TenantHoldings holdings = new();

    // The node held for a task of several cards that waited past the starvation limit: nothing else is placed there.
    private (string TaskId, string NodeId)? hold;

    // The nodes held for a gang (by GangMuster.Key) that waited past the starvation limit: they take nothing else.
    private (string Gang, ImmutableArray<string> NodeIds)? gangHold;

    // The nodes held for a gang moves are making room for (Consolidation.PlanGang), by GangMuster.Key, and since when.
    private (string Gang, ImmutableArray<string> NodeIds, DateTimeOffset At)? gangMoving;

    // How far down the queue a task to hold for is looked for, so a long queue costs a round little.
    private const int HoldScan = 64;
    private readonly PendingQueue queue = new();
    private IPlacementPolicy policy = null!;
    private string policyName = "";
    private long placements;
    private long refusals;
    private long rounds;
    private DataCenterSummary? reported;

    // Names this activation's queue in its answers (it moves with the queue); a task that hears of another is re-queued by Keep.
    private long epoch = Random.Shared.NextInt64(1, long.MaxValue);

    // Whether it held nothing at its last check: a scheduler with no node and no queue lets go of its activation.
    private readonly SchedulerRelease release = new();

    // Set when a node's snapshot shows capacity the index did not have: only then can a queued task that did not fit before fit now.
    private bool freed;

    // Enqueued tasks waiting for the next round; data centres that said they have room, waiting for our offers.
    private readonly List<Arrival> arrivals = [];
    private readonly List<string> roomElsewhere = [];

    // The loop running rounds while there is work for one; whether it should tell other data centres of room here.
    private Task? pump;
    private bool roomToTell;

    // Reservations out per node, with the newest account of the node that came meanwhile (taken in after the last is
    // answered: it may not have the view's other decisions for the node yet); tasks whose reservation is out, which
    // no drain or offer decides for again meanwhile.
    private readonly Dictionary<string, NodeInFlight> outstanding = new(StringComparer.Ordinal);
    private readonly HashSet<string> reserving = new(StringComparer.Ordinal);

    // Placements for the event feed, sent once per round rather than once per placement.
    private readonly List<PoolEventNote> placedNotes = [];

    // The newest snapshot of each node (what reclaims and evictions plan from: the tasks on borrowed room, the slices),
    // and the evictions under way per node, of each kind (with when they were sent and for which waiting task): a node
    // is not evicted from again until its victims are gone.
    private readonly Dictionary<string, NodeSnapshot> accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset At, string ForTaskId, ImmutableArray<BorrowedHolding> Victims)> reclaiming = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset At, string ForTaskId, ImmutableArray<(string TaskId, long Generation)> Victims)> preempting = new(StringComparer.Ordinal);
    private bool evictLowerPriority;

    // Moves under way per node (Consolidation): the waiting task its room is made for, when, and the tasks moved off;
    // nothing else is placed there meanwhile. Whether the pool moves work to make room at all.
    private readonly Dictionary<string, (DateTimeOffset At, string ForTaskId, ImmutableArray<MovedTask> Moves)> moving = new(StringComparer.Ordinal);
    private bool consolidate;

    // Fair sharing by usage history: the half-life of past use (PoolSettings.FairShareHalfLife); null: holdings now only.
    private TimeSpan? fairShareHalfLife;

    // Whether tasks that fit nowhere evict offline work of tenants over their fair share (PoolSettings.FairShareEviction).
    private bool fairShareEviction;

    // The tasks fair share evictions were for, by id: their tenant, what they ask and when. Counted as held from the plan
    // until a node's account shows them placed (or the eviction patience runs out), wherever they land.
    private readonly Dictionary<string, (string Tenant, long ComputeMilli, long MemoryMiB, DateTimeOffset At)> evictedFor = new(StringComparer.Ordinal);

    // Waiting tasks no move could make room for when last looked at: not looked at again until a resync or a finished
    // move, so a queue of tasks that fit nowhere costs a round one plan each at most that often.
    private readonly HashSet<string> unmovable = new(StringComparer.Ordinal);

    // The requests of the running tasks this activation placed or learned of (by generation): what moving one needs.
    // Tasks placed before it came are learned from their grains when a move would take them; those being learned, or
    // that could not be, are not asked again before the next resync.
    private readonly Dictionary<string, (long Generation, PlacementRequest Request)> runningRequests = new(StringComparer.Ordinal);
    private readonly HashSet<string> learning = new(StringComparer.Ordinal);

    /// <summary>How long a node stays held for the task moves are making room for, at most (the moved tasks' stops take their grace).</summary>
    public static readonly TimeSpan MovePatience = TimeSpan.FromMinutes(2);

    /// <summary>How long evictions count as under way at most (one lost on its way must not shut a node out of reclaims).</summary>
    public static readonly TimeSpan ReclaimPatience = TimeSpan.FromSeconds(30);

    // Waiting tasks looked at per round for a reclaim, so a long queue of tasks that fit nowhere costs a round little.
    private const int ReclaimScan = 16;

    // Whether this activation came by moving (its queue carried), and when its index and queue are rebuilt (Restore).
    private bool moved;
    private readonly TaskCompletionSource restored = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string DataCenter => this.GetPrimaryKeyString();

    private IPoolGrain Pool => GrainFactory.Grain<IPoolGrain>(GrainKeys.Pool);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        UsePolicy(options.Value.Policy);
        var every = options.Value.ResidenceCheckInterval;
        this.RegisterGrainTimer(CheckResidence, new GrainTimerCreationOptions(every, every));
        var resync = options.Value.IndexResyncInterval;
        this.RegisterGrainTimer(Resync, new GrainTimerCreationOptions(resync, resync));
        var idle = options.Value.IdleSchedulerCheckInterval;
        this.RegisterGrainTimer(CheckIdle, new GrainTimerCreationOptions(idle, idle));

        // A scheduler that moved here must activate without waiting on other grains: the silo taking it in waits for every
        // grain it takes in to activate, one batch at a time, and a node asked for its snapshot may be in a heartbeat that
        // waits on its card, moving to this silo behind us (each waited 30 s, and the node then missed its daemon's lease).
        // It rebuilds after its activation instead, and rounds, offers and summaries wait for that.
        var restoring = Restore();
        return moved ? Task.CompletedTask : restoring;
    }

    /// <summary>Rebuilds the index from the nodes and refills the queue from the catalogue; rounds, offers and summaries wait for it.</summary>
    private async Task Restore()
    {
        try
        {
            await FollowSettings();
            var nodeIds = (await Pool.GetNodes()).Where(id => GrainKeys.DataCenterOf(id) == DataCenter);
            var snapshots = await Task.WhenAll(nodeIds.Select(id => GrainFactory.Grain<INodeGrain>(id).GetSnapshot()));
            foreach (var s in snapshots)
            {
                if (s is not null)
                {
                    // A node's push that arrived meanwhile may be newer: the view, and the accounts, keep the newest version.
                    NoteAccount(s);

                    if (view.Upsert(NodeView.FromSnapshot(s)))
                    {
                        holdings.Update(s);
                    }
                }
            }

            // A scheduler lost with its silo (or moved) refills its queue at once from the catalogue, not at the tasks'
            // next reminder; queuing is idempotent per generation, so a task queued twice here is queued once.
            var listed = await GrainFactory.Grain<ITaskCatalogGrain>(GrainKeys.Pool)
                .List(new TaskQuery(State: TaskState.Pending, Limit: int.MaxValue, QueuedIn: DataCenter));

            // The catalogue is a moment behind the task grains: a task the last activation placed just before it went may
            // still be listed as pending. Its own grain says; queuing it again would place it a second time.
            var pending = await Task.WhenAll(listed.Select(p => GrainFactory.Grain<IVGpuTaskGrain>(p.TaskId).PeekStatus()));
            var recovered = pending.Count(p => p is { State: TaskState.Pending } && p.QueuedIn == DataCenter
                && queue.Add(new QueuedTask(p.TaskId, p.Generation, p.Spec, p.SubmittedAt, p.Borrowed, p.GangWaits)));
            if (queue.Count > 0)
            {
                logger.LogInformation("Scheduler {DataCenter} activated with {Queued} queued tasks ({Recovered} from the catalogue)", DataCenter, queue.Count, recovered);
                freed = true;
                Pump();
            }

            restored.TrySetResult();
            Report();
        }
        catch (Exception ex) when (moved)
        {
            // Its activation is done and cannot fail now: a fresh one rebuilds everything, its queue from the catalogue.
            logger.LogWarning(ex, "Scheduler {DataCenter} could not rebuild its index after it moved: starting afresh", DataCenter);
            this.DeactivateOnIdle();
        }
        finally
        {
            // Waiters go on (a failed fresh activation is gone; a moved one is leaving).
            restored.TrySetResult();
        }
    }

    public Task<QueueDecision> Enqueue(QueuedTask task)
    {
        release.Worked();
        var newcomer = queue.Add(task);
        if (!newcomer)
        {
            // A task on borrowed room that its quota took in since it queued is no longer placed last.
            queue.Refresh(task);
        }

        if (!newcomer && !queue.Holds(task.TaskId, task.Generation))
        {
            return Task.FromResult(QueueDecision.Taken);
        }

        // Queued already (a task's recovery reminder, or a retried call): it is tried again in the next round rather
        // than only when some node frees capacity, so a task that lost its attempts to a stale index is not stuck.
        if (newcomer)
        {
            policy.Observe(PlacementRequest.From(task.Spec));
        }

        var arrival = new Arrival(task, newcomer, Activity.Current?.Context ?? default, new TaskCompletionSource<QueueDecision>(TaskCreationOptions.RunContinuationsAsynchronously));
        arrivals.Add(arrival);
        Pump();
        return arrival.Decided.Task;
    }

    public Task Keep(QueuedTask task, long epoch)
    {
        // Another activation answered: this one may never have heard of the task. Queued already, or a newer generation is: nothing to do.
        if (epoch != this.epoch && queue.Add(task))
        {
            logger.LogInformation("Scheduler {DataCenter} queues {TaskId} generation {Generation}: an earlier activation queued it", DataCenter, task.TaskId, task.Generation);
            policy.Observe(PlacementRequest.From(task.Spec));
            arrivals.Add(new Arrival(task, false, default, new TaskCompletionSource<QueueDecision>(TaskCreationOptions.RunContinuationsAsynchronously)));
            Pump();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A round's reservations are out: let it finish, so no accepted reservation misses its task.
        if (pump is { } running)
        {
            await running.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Current);
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
        release.Worked();
        var before = accounts.GetValueOrDefault(node.NodeId);
        if (!Refresh(node))
        {
            return;
        }

        var roomFreed = freed;

        // A task there lowered its priority: waiting work of a higher class may now evict it, so a round looks (no room
        // was freed, so other data centres are not told).
        freed |= queue.Count > 0 && evictLowerPriority && PriorityLowered(before, node);
        if (queue.Count > 0 && freed)
        {
            Pump();
        }

        Report();
        if (roomFreed)
        {
            await TellOthersOfRoom();
        }
    }

    public async Task<bool> Offer(QueuedTask task)
    {
        await restored.Task;
        var placed = await PlaceHere(task, PlacementRequest.From(task.Spec, time.GetUtcNow()));
        if (placed.Placed)
        {
            Report();
        }

        return placed.Placed;
    }

    public Task OnCapacityFreed(string dataCenter)
    {
        release.Worked();
        // Offered between rounds, so a queued task is never offered there while a round reserves it here.
        if (dataCenter != DataCenter && !roomElsewhere.Contains(dataCenter))
        {
            roomElsewhere.Add(dataCenter);
            Pump();
        }

        return Task.CompletedTask;
    }

    /// <summary>Offers the queued tasks that may run anywhere to a data centre that has room.</summary>
    private async Task OfferQueued(string dataCenter)
    {
        var other = GrainFactory.Grain<ISchedulerGrain>(GrainKeys.Scheduler(dataCenter));
        foreach (var task in queue.InOrder.Where(t => DataCenterRoute.MayRunAnywhere(t.Spec)).ToList())
        {
            // Still queued here until the other data centre has placed it, so it is never in two queues.
            if (queue.Holds(task.TaskId, task.Generation) && !reserving.Contains(task.TaskId) && await other.Offer(task))
            {
                Forget(task);
                logger.LogDebug("Queued task {TaskId} spilled over from {DataCenter} to {Other}", task.TaskId, DataCenter, dataCenter);
            }
        }

        Report();
    }

    public Task<string?> WhyWaiting(string taskId)
    {
        if (queue.Find(taskId) is not { } task)
        {
            return Task.FromResult<string?>(null);
        }

        if (reserving.Contains(taskId))
        {
            return Task.FromResult<string?>("a reservation for it is out to a node; it runs if the node takes it");
        }

        if (preempting.FirstOrDefault(p => p.Value.ForTaskId == taskId) is { Key: { } evictedOn } evicting)
        {
            return Task.FromResult<string?>(
                $"room is being made for it on {evictedOn}: {string.Join(", ", evicting.Value.Victims.Select(v => v.TaskId))} evicted; it runs there once they have left");
        }

        if (moving.FirstOrDefault(m => m.Value.ForTaskId == taskId) is { Key: { } madeOn } made)
        {
            return Task.FromResult<string?>(
                $"room is being made for it on {madeOn}: {string.Join(", ", made.Value.Moves.Select(m => m.TaskId))} moved to nodes where they fit; it runs there once they have left");
        }

        var request = PlacementRequest.From(task.Spec, time.GetUtcNow());
        if (GangMuster.Waits(task))
        {
            var (complete, waiting) = GangMuster.Gather([task], queue.InOrder, t => queue.Holds(t.TaskId, t.Generation));
            if (waiting.TryGetValue(taskId, out var gathering))
            {
                return Task.FromResult<string?>(gathering);
            }

            // Complete: its members are placed together or not at all, so the one that fits worst is the reason.
            if (complete.Count == 1)
            {
                return Task.FromResult<string?>($"gang {task.Spec.Gang!.Name} is complete and placed only when all its members fit at once; this member: "
                    + PlacementExplanation.Explain(view, request, Held));
            }
        }

        return Task.FromResult<string?>(PlacementExplanation.Explain(view, request, Held)
            + (GangMuster.Waits(task) || task.Borrowed ? "" : ScatteredRoom(taskId, request, task.Spec.Priority)));

        bool Held(NodeView node) =>
            HeldAgainst(taskId).Any(h => h.Id == node.Id) || GangHeldNodes(task.Spec.Gang is null ? null : GangMuster.Key(task)).Exists(h => h.Id == node.Id);
    }

    public async Task<PlacementPreview> Preview(TaskSpec spec, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, PlacementPreview.MaxTasks);
        await restored.Task;
        var request = PlacementRequest.From(spec, time.GetUtcNow());
        var requests = Enumerable.Repeat(request, count).ToArray();
        PlacementChoice?[] choices;
        string? explanation = null;
        bool Held(NodeView node) => HeldAgainst(null).Any(h => h.Id == node.Id) || GangHeldNodes().Exists(h => h.Id == node.Id);

        // Decided as a round would, each applied to the view before the next, then every one given back, with no await
        // between: no other turn of this grain sees the view changed.
        using (StarvationGuard.Close([.. HeldAgainst(null), .. GangHeldNodes()]))
        {
            choices = spec.Gang is not null && count > 1
                ? PlacementRound.DecideAll(policy, view, requests) ?? new PlacementChoice?[count]
                : PlacementRound.Decide(policy, view, requests);

            // Why the rest would wait: the nodes as the ones placed would leave them.
            if (count > 1 && choices[0] is not null && choices[^1] is null)
            {
                explanation = PlacementExplanation.Explain(view, request, Held);
            }

            for (var k = count - 1; k >= 0; k--)
            {
                if (choices[k] is { } decided)
                {
                    PlacementRound.Undo(view, decided, request);
                }
            }
        }

        explanation ??= PlacementExplanation.Explain(view, request, Held) + (spec.Gang is null && count == 1 && choices[0] is null ? ScatteredRoom("", request, spec.Priority) : "");
        var first = choices[0];
        return new PlacementPreview(DataCenter, first?.Node.Id, first is null ? [] : [.. first.Gpus.Select(g => g.Id)], explanation, queue.Count,
            [.. choices.OfType<PlacementChoice>().Select(c => c.Node.Id)]);
    }

    public Task<SchedulerSnapshot> GetSnapshot() =>
        Task.FromResult(new SchedulerSnapshot(
            policy.Name, [.. queue.InOrder.Select(t => t.TaskId)], view.Nodes.Count, placements, refusals, DataCenter, RuntimeIdentity, Rounds: rounds));

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        // Moving to a silo of this data centre: the queue goes along (the index is rebuilt from the nodes).
        dehydrationContext.TryAddValue("queue", queue.InOrder.ToArray());
        dehydrationContext.TryAddValue("epoch", epoch);
        dehydrationContext.TryAddValue("placements", placements);
        dehydrationContext.TryAddValue("refusals", refusals);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        moved = true;
        if (rehydrationContext.TryGetValue<QueuedTask[]>("queue", out var queued) && queued is not null)
        {
            foreach (var task in queued)
            {
                queue.Add(task);
            }
        }

        if (rehydrationContext.TryGetValue<long>("epoch", out var carried) && carried != 0)
        {
            epoch = carried;
        }

        rehydrationContext.TryGetValue("placements", out placements);
        rehydrationContext.TryGetValue("refusals", out refusals);
    }

    private void UsePolicy(string name)
    {
        policy = new LinkDomainPolicy(new DataCenterPreferencePolicy(new SpreadPreferencePolicy(new AffinityPreferencePolicy(new TaintPreferencePolicy(new OnlineAwarePolicy(PlacementPolicies.Create(name)))))));
        policyName = name;
    }

    /// <summary>
    /// Takes up the pool's live policy (<see cref="IPoolSettingsGrain"/>, through this silo's copy) before a round or an
    /// offer. A new one starts with nothing learned: the mix it learns from arrivals starts over.
    /// </summary>
    private async Task FollowSettings()
    {
        var now = await settings.Get();
        evictLowerPriority = now.EvictLowerPriority;
        consolidate = now.Consolidate;
        fairShareHalfLife = now.FairShareHalfLife;
        fairShareEviction = now.FairShareEviction;
        var live = now.Policy;
        if (!string.Equals(live, policyName, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogInformation("Scheduler {DataCenter} changes its placement policy from {Old} to {New}", DataCenter, policyName, live);
            UsePolicy(live);
        }
    }

    /// <summary>Starts the loop of rounds unless it runs; it runs while arrivals, a freed queue or offers wait.</summary>
    private void Pump() => pump ??= RunRounds();

    private async Task RunRounds()
    {
        // Arrivals already behind this turn join the first round. The loop is no caller's: it neither continues the
        // trace nor the call chain of the call that started it.
        await Task.Yield();
        Activity.Current = null;
        RequestContext.Clear();
        try
        {
            // Not against an index still being rebuilt (a scheduler that moved here).
            await restored.Task;
            while (true)
            {
                // One round out at a time: deciding the next while the last is answered measured a third slower on a
                // 2-core machine (smaller rounds for the same CPU).
                if (arrivals.Count > 0 || (freed && queue.Count > 0))
                {
                    await Round();
                }
                else if (roomElsewhere.Count > 0)
                {
                    var dataCenter = roomElsewhere[0];
                    roomElsewhere.RemoveAt(0);
                    await OfferQueued(dataCenter);
                }
                else if (roomToTell)
                {
                    roomToTell = false;
                    await TellOthersOfRoom();
                }
                else
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // Round and OfferQueued settle their own callers; what is left is queued and the next event pumps again.
            logger.LogError(ex, "Scheduler {DataCenter} stopped a round", DataCenter);
        }
        finally
        {
            pump = null;
        }
    }

    /// <summary>
    /// One round: after capacity freed every queued task in queue order (lower ones may use room a higher one cannot),
    /// else the tasks that arrived since the last round; placed here if they fit, then newcomers that did not are
    /// offered elsewhere (when not pinned) or failed (when they asked to). Each arrival's call returns after it.
    /// </summary>
    private async Task Round()
    {
        await FollowSettings();
        var taken = arrivals.ToArray();
        arrivals.Clear();
        rounds++;
        var faults = new Dictionary<string, Exception>(StringComparer.Ordinal);
        var unplaceable = new Dictionary<string, string>(StringComparer.Ordinal);

        // Where this round placed each task (here, or another data centre): its caller hears it in the answer.
        var placedHere = new Dictionary<(string, long), TaskPlacement>();
        var placedElsewhere = new HashSet<(string, long)>();
        try
        {
            IEnumerable<QueuedTask> candidates = freed ? queue.InOrder : taken.Select(a => a.Task);
            freed = false;
            var batch = candidates.Where(t => queue.Holds(t.TaskId, t.Generation) && !reserving.Contains(t.TaskId)).DistinctBy(t => t.TaskId).ToList();
            if (FairShareOrder.HasTwoTenants(batch))
            {
                var past = fairShareHalfLife is { } halfLife ? await PastShares(batch.Select(t => t.Spec.Tenant), halfLife) : null;
                // The largest card's memory is looked up (over every card) only when a whole-card task needs it.
                var wholeCardMiB = batch.Exists(t => t.Spec.Resources.GpuMemoryMiB == 0) ? WholeCardMiB() : 0;
                batch = [.. FairShareOrder.Arrange(batch, holdings.Of, Capacity, await weights.Get(), past, wholeCardMiB)];
            }

            // A gang's members wait for each other and are placed together, ahead of the round's other tasks: a gang is
            // complete only once, when its last member arrives, and otherwise tasks that fit alone would take its room.
            var (gangs, unplacedGangs) = batch.Exists(GangMuster.Waits)
                ? GangMuster.Gather(batch, queue.InOrder, t => queue.Holds(t.TaskId, t.Generation) && !reserving.Contains(t.TaskId))
                : ([], []);
            batch.RemoveAll(GangMuster.Waits);

            // Borrowed room goes to no one a quota leaves waiting: tasks on loan are placed after every other task in the
            // round, and not at all while room on loan is being taken back for those.
            var loans = batch.Exists(t => t.Borrowed) ? batch.FindAll(t => t.Borrowed) : [];
            if (loans.Count > 0)
            {
                batch.RemoveAll(t => t.Borrowed);
            }

            var parents = taken.GroupBy(a => a.Task.TaskId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Parent, StringComparer.Ordinal);
            MovesUnderWay();
            KeepHold();
            KeepGangHold();
            var gangsWaiting = new List<List<QueuedTask>>();
            foreach (var gang in gangs)
            {
                if (await PlaceGang(gang, parents, placedHere) is { } why)
                {
                    gangsWaiting.Add(gang);
                    foreach (var member in gang)
                    {
                        unplacedGangs[member.TaskId] = why;
                    }
                }
            }

            var unplaced = await PlaceAll(batch, parents, faults, placedHere);
            if (unplaced.Count > 0 && accounts.Values.Any(a => !a.Borrowed.IsDefaultOrEmpty))
            {
                Reclaim(batch, unplaced);
            }

            if (loans.Count > 0 && ReclaimsUnderWay())
            {
                foreach (var t in loans)
                {
                    unplaced[t.TaskId] = "borrowed room is being taken back for tasks within their quotas";
                }
            }
            else if (loans.Count > 0)
            {
                foreach (var (id, reason) in await PlaceAll(loans, parents, faults, placedHere))
                {
                    unplaced[id] = reason;
                }
            }

            foreach (var (id, reason) in unplacedGangs)
            {
                unplaced.TryAdd(id, reason);
            }

            IReadOnlyList<DataCenterSummary>? others = null;
            foreach (var (task, _, _, _) in taken.Where(a => a.Newcomer))
            {
                if (!queue.Holds(task.TaskId, task.Generation) || !unplaced.TryGetValue(task.TaskId, out var reason))
                {
                    continue;
                }

                var placed = false;
                if (DataCenterRoute.MayRunAnywhere(task.Spec))
                {
                    others ??= await OtherDataCenters();
                    placed = await SpillOver(task, others);
                    if (placed)
                    {
                        placedElsewhere.Add((task.TaskId, task.Generation));
                    }
                }

                if (!placed && task.Spec.Constraints.FailIfUnplaceable)
                {
                    // Out of the queue; the task grain, waiting on this call, fails it when it hears so.
                    Forget(task);
                    unplaceable[task.TaskId] = reason;
                }
            }

            // After the offers to other data centres: a task one of them placed is out of the queue, and nothing is moved or
            // evicted for it. Moving first: moved work runs on elsewhere, evicted work waits.
            if (consolidate && gangsWaiting.Count > 0)
            {
                ConsolidateGang(gangsWaiting);
            }

            if (consolidate && unplaced.Count > 0)
            {
                Consolidate(batch, unplaced);
            }

            if (evictLowerPriority && unplaced.Count > 0)
            {
                Preempt(batch, unplaced);
            }

            if (fairShareEviction && unplaced.Count > 0)
            {
                await EvictForFairShare(batch, unplaced);
            }
        }
        catch (Exception ex)
        {
            foreach (var a in taken.Where(a => !unplaceable.ContainsKey(a.Task.TaskId)))
            {
                faults.TryAdd(a.Task.TaskId, ex);
            }
        }
        finally
        {
            foreach (var a in taken)
            {
                // A task failed as unplaceable has left the queue: its caller must hear it. As before rounds, a
                // reservation that failed (not refused) fails the caller, and the task stays queued.
                var key = (a.Task.TaskId, a.Task.Generation);
                _ = a.Newcomer && unplaceable.TryGetValue(a.Task.TaskId, out var reason) ? a.Decided.TrySetResult(new QueueDecision(true, reason))
                    : faults.TryGetValue(a.Task.TaskId, out var fault) ? a.Decided.TrySetException(fault)
                    : placedHere.TryGetValue(key, out var placement) ? a.Decided.TrySetResult(QueueDecision.PlacedOn(placement))
                    : placedElsewhere.Contains(key) ? a.Decided.TrySetResult(QueueDecision.Elsewhere)
                    : a.Decided.TrySetResult(QueueDecision.Queued(epoch));
            }
        }

        Report();
    }

    /// <summary>
    /// Places a batch here: decides for all against the view in one turn, sends the reservations together, takes the
    /// nodes' answers into the view, and decides again for the refused (up to <see cref="PoolOptions.ReservationAttempts"/>).
    /// Returns why each task left unplaced was not placed; where each placed one went is added to <paramref name="placed"/>.
    /// </summary>
    private async Task<Dictionary<string, string>> PlaceAll(
        List<QueuedTask> batch, Dictionary<string, ActivityContext> parents, Dictionary<string, Exception> faults, Dictionary<(string, long), TaskPlacement> placed)
    {
        var unplaced = new Dictionary<string, string>(StringComparer.Ordinal);
        var began = Stopwatch.GetTimestamp();
        var todo = batch;
        for (var attempt = 0; attempt < options.Value.ReservationAttempts && todo.Count > 0; attempt++)
        {
            var at = time.GetUtcNow();
            var requests = todo.Select(t => PlacementRequest.From(t.Spec, at)).ToArray();
            var choices = Decide(todo, requests);
            var sent = new List<Reservation>(todo.Count);
            for (var i = 0; i < todo.Count; i++)
            {
                if (choices[i] is { } choice)
                {
                    sent.Add(new Reservation(todo[i], requests[i], choice, Reserve(todo[i], choice, requests[i])));
                }
                else
                {
                    unplaced.TryAdd(todo[i].TaskId, Unplaced(requests[i]));
                }
            }

            await Task.WhenAll(sent.Select(r => r.Answer));

            // Each answer already went into the view (a refusal given back, the node's account taken in once none is out).
            var retry = new List<QueuedTask>();
            var starts = new List<(QueuedTask Task, Task<TaskPlacement> Placement)>();
            foreach (var r in sent)
            {
                var (task, answer) = (r.Task, r.Answer.Result);
                reserving.Remove(task.TaskId);
                if (answer.Error is { } error)
                {
                    faults[task.TaskId] = error;
                    unplaced.Remove(task.TaskId);
                }
                else if (answer.Result!.Accepted)
                {
                    unplaced.Remove(task.TaskId);
                    starts.Add((task, Placed(task, r.Request, r.Choice, Stopwatch.GetElapsedTime(began), parents.GetValueOrDefault(task.TaskId))));
                }
                else
                {
                    refusals++;
                    unplaced[task.TaskId] = $"refused: {answer.Result.Reason}";
                    logger.LogDebug("Node {NodeId} refused {TaskId} (attempt {Attempt}): {Reason}", r.Choice.Node.Id, task.TaskId, attempt + 1, answer.Result.Reason);
                    if (queue.Holds(task.TaskId, task.Generation))
                    {
                        retry.Add(task);
                    }
                }
            }

            // The placed tasks hear it together: a round lasts as long as its slowest start, not the sum of them.
            await Task.WhenAll(starts.Select(s => s.Placement));
            foreach (var (task, placement) in starts)
            {
                placed[(task.TaskId, task.Generation)] = placement.Result;
            }

            todo = retry;
        }

        return unplaced;
    }

    /// <summary>
    /// Places a gang all together or not at all: decides for every member at once, sends their reservations together,
    /// and when any is refused (or fails) gives back the others' at their nodes and decides again (up to
    /// <see cref="PoolOptions.ReservationAttempts"/>). Returns null once all are placed, else why none is.
    /// </summary>
    private async Task<string?> PlaceGang(List<QueuedTask> gang, Dictionary<string, ActivityContext> parents, Dictionary<(string, long), TaskPlacement> placed)
    {
        var name = gang[0].Spec.Gang!.Name;
        var began = Stopwatch.GetTimestamp();
        var why = $"gang {name}: its {gang.Count} members do not fit together";
        var at = time.GetUtcNow();
        var requests = gang.Select(t => PlacementRequest.From(t.Spec, at)).ToArray();
        var key = GangMuster.Key(gang[0]);
        for (var attempt = 0; attempt < options.Value.ReservationAttempts; attempt++)
        {
            // Nodes held for a starving task or gang stay closed to a gang, unless they are held for it.
            IEnumerable<NodeView> held = [
                .. HeldForTasks().Where(h => !gang.Exists(t => t.TaskId == h.TaskId)).Select(h => h.Node),
                .. GangHeldNodes(key)];
            PlacementChoice[]? choices;
            using (StarvationGuard.Close(held))
            {
                choices = PlacementRound.DecideAll(policy, view, requests);
            }

            if (choices is null)
            {
                return why;
            }

            var sent = gang.Select((t, i) => new Reservation(t, requests[i], choices[i], Reserve(t, choices[i], requests[i]))).ToList();
            await Task.WhenAll(sent.Select(r => r.Answer));
            foreach (var r in sent)
            {
                reserving.Remove(r.Task.TaskId);
            }

            var taken = sent.FindAll(r => r.Answer.Result.Result is { Accepted: true });
            if (taken.Count == sent.Count)
            {
                var ranked = GangRendezvous.Order(gang.Select(t => t.TaskId));
                var rankOf = ranked.Select((id, rank) => (id, rank)).ToDictionary(m => m.id, m => m.rank, StringComparer.Ordinal);
                var leader = sent.First(r => r.Task.TaskId == ranked[0]).Choice.Node;
                var port = GangRendezvous.PortOf(gang[0].Spec.Tenant, name);
                var starts = sent.Select(r => (r.Task, Placement: Placed(
                    r.Task, r.Request, r.Choice, Stopwatch.GetElapsedTime(began), parents.GetValueOrDefault(r.Task.TaskId),
                    [.. gang.Where(m => m.TaskId != r.Task.TaskId).Select(m => m.TaskId)],
                    new GangRendezvous(name, gang[0].Spec.Gang!.Size, rankOf[r.Task.TaskId], leader.Id, leader.Address, port)))).ToList();
                await Task.WhenAll(starts.Select(s => s.Placement));
                foreach (var (task, placement) in starts)
                {
                    placed[(task.TaskId, task.Generation)] = placement.Result;
                }

                return null;
            }

            // Not all of them: what the others' nodes took is given back before anything else is decided.
            var refused = sent.First(r => r.Answer.Result.Result is not { Accepted: true });
            refusals += sent.Count - taken.Count;
            why = $"gang {name}: {refused.Task.TaskId} " + (refused.Answer.Result.Result is { } no ? $"refused: {no.Reason}" : $"could not be reserved: {refused.Answer.Result.Error!.Message}");
            logger.LogDebug("Gang {Gang} not placed (attempt {Attempt}): {Reason}", name, attempt + 1, why);
            await Task.WhenAll(taken.Select(GiveBack));
            if (!gang.TrueForAll(t => queue.Holds(t.TaskId, t.Generation)))
            {
                return why;
            }
        }

        return why;
    }

    /// <summary>Gives back at its node a reservation the scheduler will not use (one member of a gang that did not all fit).</summary>
    private async Task GiveBack(Reservation r)
    {
        try
        {
            await GrainFactory.Grain<INodeGrain>(r.Choice.Node.Id).Release(r.Task.TaskId, r.Task.Generation);
            PlacementRound.Undo(view, r.Choice, r.Request);
        }
        catch (Exception ex)
        {
            // The node lets go of a reservation no task claims (ReservationClaim); until then the view holds it too.
            logger.LogWarning(ex, "Scheduler {DataCenter} could not give back {TaskId}'s reservation on {NodeId}", DataCenter, r.Task.TaskId, r.Choice.Node.Id);
        }
    }

    /// <summary>
    /// Sends the reservation of a decision already applied to the view; the task counts as reserving until the caller
    /// has dealt with the answer. The answer goes into the view: a refusal is given back, and the node's newest account
    /// is taken in once no other reservation to it is out. Returns the answer, or the exception that stands for it (so
    /// one failure does not sink a round).
    /// </summary>
    private async Task<(ReservationResult? Result, Exception? Error)> Reserve(QueuedTask task, PlacementChoice choice, PlacementRequest request)
    {
        var nodeId = choice.Node.Id;
        if (!outstanding.TryGetValue(nodeId, out var node))
        {
            outstanding[nodeId] = node = new NodeInFlight();
        }

        node.Count++;
        reserving.Add(task.TaskId);
        ReservationResult? result = null;
        Exception? error = null;
        try
        {
            result = await GrainFactory.Grain<INodeGrain>(nodeId).Reserve(ToReservation(task, choice, request));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reserving {TaskId} on {NodeId} failed", task.TaskId, nodeId);
            error = ex;
        }

        if (result is not { Accepted: true })
        {
            PlacementRound.Undo(view, choice, request);
        }

        if (result is not null && (node.Newest is null || result.Node.Version >= node.Newest.Version))
        {
            node.Newest = result.Node;
        }

        if (--node.Count == 0)
        {
            outstanding.Remove(nodeId);
            if (node.Newest is { } newest && TakeIn(newest) && freed)
            {
                // The node freed capacity the view did not know of: the queue may fit now, and other data centres may want it.
                roomToTell = true;
                Pump();
            }
        }

        return (result, error);
    }

    /// <summary>A node accepted the task: it leaves the queue and its grain hears where it runs.</summary>
    private async Task<TaskPlacement> Placed(
        QueuedTask task, PlacementRequest request, PlacementChoice choice, TimeSpan took, ActivityContext parent, ImmutableArray<string> gang = default,
        GangRendezvous? rendezvous = null)
    {
        Forget(task);
        placements++;
        runningRequests[task.TaskId] = (task.Generation, request);
        var (compute, memory, _) = request.GpuCount == 0 ? (0, 0L, false) : ClusterView.SliceOn(choice.Gpus.First(), request);
        var placement = new TaskPlacement(choice.Node.Id, choice.Node.DataCenter, [.. choice.Gpus.Select(g => g.Id)], compute, memory) { Gang = gang, Rendezvous = rendezvous };
        using (OrionTelemetry.Placed(task.TaskId, choice.Node.Id, choice.Node.DataCenter, took, parent))
        {
            // Inside the span, so the task's start joins the same trace.
            await GrainFactory.Grain<IVGpuTaskGrain>(task.TaskId).OnPlaced(task.Generation, placement);
        }

        placedNotes.Add(new PoolEventNote(PoolEventKinds.Placement, task.TaskId, choice.Node.Id, $"{task.Spec.Name} ({task.Spec.Tenant}) on {string.Join(", ", placement.GpuIds)}"));
        return placement;
    }

    /// <summary>Takes a task out of the queue unless a newer generation replaced it meanwhile.</summary>
    private void Forget(QueuedTask task)
    {
        if (queue.Holds(task.TaskId, task.Generation))
        {
            queue.Remove(task.TaskId);
        }
    }

    /// <summary>The other data centres with nodes, most room first.</summary>
    private async Task<IReadOnlyList<DataCenterSummary>> OtherDataCenters() =>
        [.. (await Pool.GetDataCenters())
            .Where(d => d.DataCenter != DataCenter && d.Nodes > 0)
            .OrderByDescending(d => d.FreeComputeMilli).ThenBy(d => d.DataCenter, StringComparer.Ordinal)];

    /// <summary>Offers a task to the other data centres in turn; true when one placed it (it leaves this queue).</summary>
    private async Task<bool> SpillOver(QueuedTask task, IReadOnlyList<DataCenterSummary> others)
    {
        foreach (var other in others)
        {
            if (await GrainFactory.Grain<ISchedulerGrain>(GrainKeys.Scheduler(other.DataCenter)).Offer(task))
            {
                Forget(task);
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
                await GrainFactory.Grain<ISchedulerGrain>(GrainKeys.Scheduler(other.DataCenter)).OnCapacityFreed(DataCenter);
            }
        }
    }

    /// <summary>
    /// Decides for a batch in order; while nodes are held for tasks (a starving one, one moves make room for), each such task
    /// first (anywhere it fits, its own held node included) and every other task without the held nodes.
    /// </summary>
    private PlacementChoice?[] Decide(List<QueuedTask> todo, PlacementRequest[] requests)
    {
        // No task outside a gang is placed on the nodes held for it.
        using var forGang = StarvationGuard.Close(GangHeldNodes());
        var held = HeldForTasks();
        if (held.Count == 0)
        {
            return PlacementRound.Decide(policy, view, requests);
        }

        var choices = new PlacementChoice?[todo.Count];
        var heads = new HashSet<int>();
        for (var i = 0; i < todo.Count; i++)
        {
            var id = todo[i].TaskId;
            if (held.Exists(h => h.TaskId == id))
            {
                heads.Add(i);
                using (StarvationGuard.Close(held.Where(h => h.TaskId != id).Select(h => h.Node)))
                {
                    choices[i] = PlacementRound.Decide(policy, view, [requests[i]])[0];
                }
            }
        }

        var others = Enumerable.Range(0, todo.Count).Where(i => !heads.Contains(i)).ToArray();
        using (StarvationGuard.Close(held.Select(h => h.Node)))
        {
            var decided = PlacementRound.Decide(policy, view, [.. others.Select(i => requests[i])]);
            for (var k = 0; k < others.Length; k++)
            {
                choices[others[k]] = decided[k];
            }
        }

        return choices;
    }

    /// <summary>
    /// The schedulable nodes held for a gang (one that waited past the starvation limit, one moves are making room for),
    /// but for the gang <paramref name="exceptFor"/> (by <see cref="GangMuster.Key"/>); none when no gang is held for.
    /// </summary>
    private List<NodeView> GangHeldNodes(string? exceptFor = null)
    {
        if (gangHold is null && gangMoving is null)
        {
            return [];
        }

        IEnumerable<string> ids = [
            .. gangHold is { } g && g.Gang != exceptFor ? g.NodeIds : [],
            .. gangMoving is { } m && m.Gang != exceptFor ? m.NodeIds : []];
        return [.. ids.Distinct(StringComparer.Ordinal).Select(view.Find).OfType<NodeView>().Where(n => n.Schedulable)];
    }

    /// <summary>
    /// Holds nodes for the first complete gang in queue order (among the first <see cref="HoldScan"/> tasks) that has been
    /// complete for longer than <see cref="PoolOptions.StarvationLimit"/>: as many as its members need together once
    /// emptied (<see cref="StarvationGuard.NodesToHold"/>). A gang's members fit together only when all their room is free
    /// at once, which small tasks filling every freed card may never leave. The same nodes are kept while all stay
    /// schedulable; a gang no set of nodes could ever take is passed over.
    /// </summary>
    private void KeepGangHold()
    {
        var limit = options.Value.StarvationLimit;
        var head = limit > TimeSpan.Zero ? queue.InOrder.Take(HoldScan).Where(GangMuster.Waits).ToList() : [];
        if (head.Count == 0)
        {
            gangHold = null;
            return;
        }

        var now = time.GetUtcNow();
        foreach (var gang in GangMuster.Gather(head, queue.InOrder, _ => true).Complete)
        {
            // Waiting counts from its last member's arrival: before that it could not have been placed anyway.
            if (now - gang.Max(m => m.SubmittedAt) < limit)
            {
                continue;
            }

            var key = GangMuster.Key(gang[0]);
            if (gangHold is { } g && g.Gang == key && g.NodeIds.All(id => view.Find(id) is { Schedulable: true }))
            {
                return;
            }

            if (StarvationGuard.NodesToHold(view, [.. gang.Select(m => PlacementRequest.From(m.Spec, now))]) is not { } nodes)
            {
                continue;
            }

            gangHold = (key, [.. nodes.Select(n => n.Id)]);
            var name = gang[0].Spec.Gang!.Name;
            logger.LogInformation("Gang {Gang} waited in {DataCenter}'s queue: nodes {NodeIds} take nothing else until it fits",
                name, DataCenter, string.Join(", ", gangHold.Value.NodeIds));
            placedNotes.Add(new PoolEventNote(PoolEventKinds.Hold, gang[0].TaskId, nodes[0].Id,
                $"gang {name} ({gang[0].Spec.Tenant}, {gang.Count} members) waited: {string.Join(", ", gangHold.Value.NodeIds)} held for it"));
            return;
        }

        gangHold = null;
    }

    /// <summary>The held node, while it is schedulable; null when none is held.</summary>
    private NodeView? HeldNode() => hold is { } h && view.Find(h.NodeId) is { Schedulable: true } node ? node : null;

    /// <summary>The schedulable nodes held for one task each: a starving task's, and those moves are making room on.</summary>
    private List<(string TaskId, NodeView Node)> HeldForTasks()
    {
        var held = new List<(string TaskId, NodeView Node)>();
        if (HeldNode() is { } node)
        {
            held.Add((hold!.Value.TaskId, node));
        }

        foreach (var (nodeId, m) in moving)
        {
            if (view.Find(nodeId) is { Schedulable: true } n)
            {
                held.Add((m.ForTaskId, n));
            }
        }

        // A node fair share evictions make room on, for their task while it waits: else the evicted tasks, queued again
        // and placed in a round of their own, would take the room back.
        foreach (var (nodeId, p) in preempting)
        {
            if (evictedFor.ContainsKey(p.ForTaskId) && queue.Find(p.ForTaskId) is not null && view.Find(nodeId) is { Schedulable: true } n)
            {
                held.Add((p.ForTaskId, n));
            }
        }

        return held;
    }

    /// <summary>The nodes held for tasks other than <paramref name="taskId"/> (all of them for null).</summary>
    private IEnumerable<NodeView> HeldAgainst(string? taskId) => HeldForTasks().Where(h => h.TaskId != taskId).Select(h => h.Node);

    /// <summary>
    /// Holds a node for the first task in queue order (among the first <see cref="HoldScan"/>) that needs several cards,
    /// has waited past <see cref="PoolOptions.StarvationLimit"/> and would fit some node once empty; keeps the same node
    /// while it stays schedulable and could take it. A task of one card is not held for: the first card that frees with
    /// room for it goes to it or to a task ahead of it, while a task of several needs them free together, which filling
    /// gaps may never leave. A task that no node could ever take is passed over, so it cannot keep a hold from the rest.
    /// </summary>
    private void KeepHold()
    {
        var limit = options.Value.StarvationLimit;
        var now = time.GetUtcNow();
        (QueuedTask Task, PlacementRequest Request)? starving = null;
        foreach (var t in limit > TimeSpan.Zero ? queue.InOrder.Take(HoldScan) : [])
        {
            if (t.Spec.Resources.GpuCount < 2 || now - t.SubmittedAt < limit)
            {
                continue;
            }

            var request = PlacementRequest.From(t.Spec, now);
            if (t.TaskId == hold?.TaskId || StarvationGuard.NodeToHold(view, request) is not null)
            {
                starving = (t, request);
                break;
            }
        }

        if (starving is not { } s)
        {
            hold = null;
            return;
        }

        if (hold is { } h && h.TaskId == s.Task.TaskId && HeldNode() is { } kept && StarvationGuard.CouldEverFit(kept, s.Request))
        {
            return;
        }

        // Not a node moves are making room on for another task: held for two, it would take neither.
        var node = StarvationGuard.NodeToHold(view, s.Request, skip: n => moving.ContainsKey(n.Id));
        hold = node is null ? null : (s.Task.TaskId, node.Id);
        if (node is not null)
        {
            logger.LogInformation("Task {TaskId} waited since {Since} in {DataCenter}'s queue: node {NodeId} takes nothing else until it fits",
                s.Task.TaskId, s.Task.SubmittedAt, DataCenter, node.Id);
            placedNotes.Add(new PoolEventNote(PoolEventKinds.Hold, s.Task.TaskId, node.Id,
                $"{s.Task.Spec.Name} ({s.Task.Spec.Tenant}) waited since {s.Task.SubmittedAt:u}: {node.Id} held for it"));
        }
    }

    /// <summary>
    /// Whether a node's zone (or other domain of a spread group's topology key) has room for the request's group, as this
    /// scheduler's view counts it: evicting on a node whose zone is full would free room the task still may not use.
    /// </summary>
    private bool DomainAllows(string nodeId, PlacementRequest request) =>
        request.Spread is not { Preferred: false, TopologyKey: not null } rule || (view.Find(nodeId) is { } node && rule.Allows(node));

    /// <summary>Why a task was not placed: no node of the kind that runs it, only nodes its spread group has filled, or none with room for it now.</summary>
    private string Unplaced(PlacementRequest request) =>
        request.RunsProcess is { } process && !view.Nodes.Any(n => n.RunsProcesses == process)
            ? process ? "no node here runs process workloads (NVIDIA cards)" : "no node here runs synthetic workloads (simulated cards)"
            : request.Spread is { Preferred: false } spread && view.Nodes.Any(n => !spread.Allows(n) && Feasibility.NodeFits(n, request with { Spread = null }))
                ? spread.TopologyKey is { } key
                    ? $"every {key} with room for it holds {spread.MaxPerDomain} task(s) of its spread group {spread.Group} already (a node without a {key} label takes none)"
                    : $"every node with room for it holds {spread.MaxPerDomain} task(s) of its spread group {spread.Group} already"
                : "no node can take it now";

    /// <summary>Places another data centre's task here if a node takes it (an offer: decided at once, never queued here).</summary>
    private async Task<(bool Placed, string Reason)> PlaceHere(QueuedTask task, PlacementRequest request)
    {
        await FollowSettings();
        var reason = Unplaced(request);
        var began = Stopwatch.GetTimestamp();
        for (var attempt = 0; attempt < options.Value.ReservationAttempts; attempt++)
        {
            PlacementChoice? choice;
            using (StarvationGuard.Close([.. HeldAgainst(null), .. GangHeldNodes()]))
            {
                choice = policy.Choose(view, request);
            }

            if (choice is null)
            {
                break;
            }

            ClusterView.Apply(choice, request);
            var (answer, error) = await Reserve(task, choice, request);
            reserving.Remove(task.TaskId);
            if (answer is not { } result)
            {
                throw error!;
            }

            if (result.Accepted)
            {
                await Placed(task, request, choice, Stopwatch.GetElapsedTime(began), default);
                return (true, "");
            }

            refusals++;
            reason = $"refused: {result.Reason}";
            logger.LogDebug("Node {NodeId} refused {TaskId} (attempt {Attempt}): {Reason}", choice.Node.Id, task.TaskId, attempt + 1, result.Reason);
        }

        return (false, reason);
    }

    /// <summary>
    /// Pushes this data centre's summary to the pool (one-way) when it changed, for routing and spill-over, and the
    /// placements since the last report to the event feed.
    /// </summary>
    private void Report()
    {
        // An index still being rebuilt would tell the pool of less room than there is.
        if (!restored.Task.IsCompleted)
        {
            return;
        }

        if (placedNotes.Count > 0)
        {
            GrainFactory.Grain<IPoolEventsGrain>(GrainKeys.Pool).PublishAll([.. placedNotes]).Ignore();
            placedNotes.Clear();
        }

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

        // The pool's directory too, not only the view's nodes: a node tells a scheduler of itself once when the directory
        // forgot it (its silo died), and that one-way word is lost when it goes to a scheduler whose silo is dying too; the
        // node then never appears here, and the queue waits while it stands empty.
        var known = (await Pool.GetNodes()).Where(id => GrainKeys.DataCenterOf(id) == DataCenter);
        var ids = view.Nodes.Select(n => n.Id).Union(known, StringComparer.Ordinal);
        var snapshots = await Task.WhenAll(ids.Select(id => GrainFactory.Grain<INodeGrain>(id).GetSnapshot()));
        foreach (var s in snapshots)
        {
            if (s is not null)
            {
                Refresh(s);
            }
        }

        // A task of a higher class waits while evicting could make room for it (eviction turned on live, or its node's
        // evictions lapsed): a round over the queue tries, as the first round after its arrival did.
        if (!freed && (await settings.Get()).EvictLowerPriority
            && queue.InOrder.Take(ReclaimScan).Any(t => t.Spec.Priority.Class > PriorityClass.Offline && !preempting.Values.Any(p => p.ForTaskId == t.TaskId)))
        {
            freed = true;
        }

        // And while a task waits that evicting for fair share could make room for (turned on live, or its evictions lapsed).
        if (!freed && (await settings.Get()).FairShareEviction && holdings.Count > 0
            && queue.InOrder.Take(ReclaimScan).Any(t => !preempting.Values.Any(p => p.ForTaskId == t.TaskId)))
        {
            freed = true;
        }

        // So too while a task waits that moving work could make room for (consolidation turned on live, or its moves lapsed).
        if (!freed && (await settings.Get()).Consolidate && queue.InOrder.Take(ReclaimScan).Any(t => !moving.Values.Any(m => m.ForTaskId == t.TaskId)))
        {
            freed = true;
        }

        ForgetEnded();
        if (freed)
        {
            Pump();
        }
    }

    /// <summary>
    /// Forgets the requests of tasks no node's account holds any more (they ended or moved), which tasks' requests were
    /// asked for (those that could not be read are asked again), and which waiting tasks no move helped.
    /// </summary>
    private void ForgetEnded()
    {
        learning.Clear();
        unmovable.Clear();
        if (runningRequests.Count == 0)
        {
            return;
        }

        var held = accounts.Values.SelectMany(a => a.Gpus).SelectMany(g => g.Slices).Select(s => s.TaskId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in runningRequests.Keys.Where(id => !held.Contains(id) && !reserving.Contains(id)).ToList())
        {
            runningRequests.Remove(id);
        }
    }

    /// <summary>
    /// Lets go of this activation when it held nothing at this check and the last (<see cref="SchedulerRelease"/>).
    /// Nothing is lost: a call that comes meanwhile waits for the deactivation and activates it again, which rebuilds
    /// its index from the pool's directory and its queue from the catalogue.
    /// </summary>
    private Task CheckIdle()
    {
        var working = pump is not null || arrivals.Count > 0 || roomElsewhere.Count > 0 || outstanding.Count > 0 || reserving.Count > 0 || !restored.Task.IsCompleted;
        if (release.Check(SchedulerRelease.HoldsNothing(view.Nodes.Count, queue.Count, working)))
        {
            logger.LogInformation("Scheduler {DataCenter} has no node and no queued task: letting go of its activation", DataCenter);
            this.DeactivateOnIdle();
        }

        return Task.CompletedTask;
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

    /// <summary>
    /// Takes a node's newer snapshot into the index, or keeps it for when the reservations out to that node are answered
    /// (false then); notes when it shows capacity the index did not have.
    /// </summary>
    private bool Refresh(NodeSnapshot snapshot)
    {
        if (outstanding.TryGetValue(snapshot.NodeId, out var node))
        {
            if (node.Newest is null || snapshot.Version >= node.Newest.Version)
            {
                node.Newest = snapshot;
            }

            return false;
        }

        return TakeIn(snapshot);
    }

    private bool TakeIn(NodeSnapshot snapshot)
    {
        // Before the view's check: an account the view already holds may still be the first to show a borrowed task.
        NoteAccount(snapshot);

        var old = view.Find(snapshot.NodeId);
        var fresh = NodeView.FromSnapshot(snapshot);
        if (!view.Upsert(fresh))
        {
            return false;
        }

        holdings.Update(snapshot);

        freed |= old is null || HasMoreRoom(fresh, old);
        return true;
    }

    /// <summary>Whether a task on the node holds a slice of a lower priority than the node's account before said.</summary>
    private static bool PriorityLowered(NodeSnapshot? before, NodeSnapshot after)
    {
        if (before is null)
        {
            return false;
        }

        var was = before.Gpus.SelectMany(g => g.Slices).Where(s => s.Priority is not null).ToLookup(s => s.TaskId, s => s.Priority!.Rank, StringComparer.Ordinal);
        return after.Gpus.SelectMany(g => g.Slices).Any(s => s.Priority is { } now && was[s.TaskId].Any(rank => rank > now.Rank));
    }

    /// <summary>Keeps the newest snapshot of each node, for reclaims and evictions.</summary>
    private void NoteAccount(NodeSnapshot snapshot)
    {
        if (!accounts.TryGetValue(snapshot.NodeId, out var known) || known.Version <= snapshot.Version)
        {
            accounts[snapshot.NodeId] = snapshot;
        }
    }

    /// <summary>
    /// Evicts tasks on borrowed room for the round's tasks within their quotas that fit nowhere (<see cref="LoanReclaim"/>);
    /// once their room frees, the queue's next round places those tasks ahead of the evicted ones, which queue again.
    /// Tasks that asked to fail rather than wait are not waited for.
    /// </summary>
    private void Reclaim(List<QueuedTask> batch, Dictionary<string, string> unplaced)
    {
        ReclaimsUnderWay();
        var now = time.GetUtcNow();
        var waitedFor = reclaiming.Values.Select(r => r.ForTaskId).ToHashSet(StringComparer.Ordinal);
        var waiting = batch
            .Where(t => !t.Borrowed && !t.Spec.Constraints.FailIfUnplaceable && unplaced.ContainsKey(t.TaskId) && queue.Holds(t.TaskId, t.Generation) && !waitedFor.Contains(t.TaskId))
            .Select(t => (t.TaskId, PlacementRequest.From(t.Spec, now)))
            .ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        foreach (var plan in LoanReclaim.Plan(accounts.Values, waiting, reclaiming.Keys.ToHashSet(StringComparer.Ordinal), ReclaimScan, DomainAllows))
        {
            reclaiming[plan.NodeId] = (now, plan.ForTaskId, plan.Victims);
            foreach (var victim in plan.Victims)
            {
                logger.LogInformation("Scheduler {DataCenter} evicts borrowed task {TaskId} from {NodeId} for {ForTaskId}", DataCenter, victim.TaskId, plan.NodeId, plan.ForTaskId);
                placedNotes.Add(new PoolEventNote(PoolEventKinds.Reclaim, victim.TaskId, plan.NodeId, $"borrowed room reclaimed for {plan.ForTaskId}"));
                OrionTelemetry.Reclaims.Add(1);

                // Not awaited: the task stops its run and queues again here, which this turn must not wait on.
                TakeBack(victim, plan).Ignore();
            }
        }
    }

    /// <summary>
    /// Evicts running tasks of a lower priority class for the round's higher-class tasks that fit nowhere
    /// (<see cref="PriorityPreemption"/>); once their room frees, the queue's next round places the waiting tasks (higher
    /// classes first) and the evicted ones queue again. Not for tasks that asked to fail rather than wait, on borrowed room,
    /// or waiting for their gang.
    /// </summary>
    private void Preempt(List<QueuedTask> batch, Dictionary<string, string> unplaced)
    {
        PreemptionsUnderWay();
        var now = time.GetUtcNow();
        var waitedFor = preempting.Values.Select(r => r.ForTaskId).Concat(moving.Values.Select(m => m.ForTaskId)).ToHashSet(StringComparer.Ordinal);
        var waiting = batch
            .Where(t => t.Spec.Priority.Class > PriorityClass.Offline && !t.Borrowed && !t.Spec.Constraints.FailIfUnplaceable && !GangMuster.Waits(t)
                && unplaced.ContainsKey(t.TaskId) && queue.Holds(t.TaskId, t.Generation) && !waitedFor.Contains(t.TaskId))
            .Select(t => (t.TaskId, PlacementRequest.From(t.Spec, now), t.Spec.Priority.Class))
            .ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        foreach (var plan in PriorityPreemption.Plan(accounts.Values.Where(a => view.Find(a.NodeId) is not null), waiting, NotToEvictFrom(), ReclaimScan, DomainAllows))
        {
            preempting[plan.NodeId] = (now, plan.ForTaskId, plan.Victims);
            foreach (var (victim, generation) in plan.Victims)
            {
                logger.LogInformation("Scheduler {DataCenter} evicts {TaskId} from {NodeId} for higher-priority {ForTaskId}", DataCenter, victim, plan.NodeId, plan.ForTaskId);
                placedNotes.Add(new PoolEventNote(PoolEventKinds.Eviction, victim, plan.NodeId, $"evicted for higher-priority {plan.ForTaskId}"));
                OrionTelemetry.Evictions.Add(1);

                // Not awaited: the task stops its run and queues again here, which this turn must not wait on.
                EvictFor(victim, generation, plan, $"evicted for higher-priority {plan.ForTaskId}").Ignore();
            }
        }
    }

    /// <summary>
    /// Evicts running offline work of tenants over their fair share for the round's tasks that fit nowhere
    /// (<see cref="FairShareEviction"/>); once the room frees, the next round's fair order places the waiting tasks ahead of
    /// the evicted ones, which queue again. Not for tasks that asked to fail rather than wait, on borrowed room, waiting for
    /// their gang, or already waited for (evictions, reclaims or moves under way for them).
    /// </summary>
    private async Task EvictForFairShare(List<QueuedTask> batch, Dictionary<string, string> unplaced)
    {
        PreemptionsUnderWay();
        var now = time.GetUtcNow();
        var waitedFor = preempting.Values.Select(p => p.ForTaskId).Concat(reclaiming.Values.Select(r => r.ForTaskId)).Concat(moving.Values.Select(m => m.ForTaskId))
            .ToHashSet(StringComparer.Ordinal);
        var wholeCardMiB = WholeCardMiB();
        var waiting = batch
            .Where(t => !t.Borrowed && !t.Spec.Constraints.FailIfUnplaceable && !GangMuster.Waits(t)
                && unplaced.ContainsKey(t.TaskId) && queue.Holds(t.TaskId, t.Generation) && !waitedFor.Contains(t.TaskId))
            .Take(ReclaimScan)
            .Select(t =>
            {
                var (compute, memory) = FairShareEviction.Asks(t.Spec.Resources, wholeCardMiB);
                return (t.TaskId, Request: PlacementRequest.From(t.Spec, now), t.Spec.Tenant, ComputeMilli: compute, MemoryMiB: memory);
            })
            .ToList();
        if (waiting.Count == 0 || holdings.Count == 0)
        {
            return;
        }

        // Nor from nodes moves are emptying (those held already are in the set; this adds any the view no longer schedules).
        var busy = NotToEvictFrom();
        busy.UnionWith(moving.Keys);
        var nodes = accounts.Values.Where(a => view.Find(a.NodeId) is not null).ToList();
        var past = fairShareHalfLife is { } halfLife
            ? await PastShares(waiting.Select(w => w.Tenant).Concat(nodes.SelectMany(n => n.Gpus).SelectMany(g => g.Slices).Select(s => s.Tenant).OfType<string>()), halfLife)
            : null;
        foreach (var plan in FairShareEviction.Plan(nodes, waiting, HeldOnceEvictionsAreDone(wholeCardMiB), Capacity(), await weights.Get(), past, busy, ReclaimScan, DomainAllows))
        {
            preempting[plan.NodeId] = (now, plan.ForTaskId, plan.Victims);
            var forTask = waiting.First(w => w.TaskId == plan.ForTaskId);
            evictedFor[plan.ForTaskId] = (forTask.Tenant, forTask.ComputeMilli, forTask.MemoryMiB, now);
            var reason = $"evicted for {plan.ForTaskId}: its tenant holds more than its fair share";
            foreach (var (victim, generation) in plan.Victims)
            {
                logger.LogInformation("Scheduler {DataCenter} evicts {TaskId} from {NodeId} for {ForTaskId}: its tenant holds more than its fair share",
                    DataCenter, victim, plan.NodeId, plan.ForTaskId);
                placedNotes.Add(new PoolEventNote(PoolEventKinds.Eviction, victim, plan.NodeId, reason));
                OrionTelemetry.Evictions.Add(1);

                // Not awaited, as above.
                EvictFor(victim, generation, plan, reason).Ignore();
            }
        }
    }

    /// <summary>
    /// Moves running offline work to other nodes for the round's tasks that fit nowhere only because the free room is
    /// scattered (<see cref="Consolidation"/>): each such node is held for its waiting task while the moved tasks stop and
    /// queue again (placed by the next rounds where they fit, never there), and the task runs there once they have left.
    /// Not for tasks that asked to fail rather than wait, on borrowed room, waiting for their gang, or already waited for.
    /// </summary>
    private void Consolidate(List<QueuedTask> batch, Dictionary<string, string> unplaced)
    {
        MovesUnderWay();
        var now = time.GetUtcNow();
        var waitedFor = moving.Values.Select(m => m.ForTaskId).Concat(preempting.Values.Select(p => p.ForTaskId)).ToHashSet(StringComparer.Ordinal);
        var waiting = batch
            .Where(t => !t.Borrowed && !t.Spec.Constraints.FailIfUnplaceable && !GangMuster.Waits(t)
                && unplaced.ContainsKey(t.TaskId) && queue.Holds(t.TaskId, t.Generation) && !waitedFor.Contains(t.TaskId) && !unmovable.Contains(t.TaskId))
            .Take(ReclaimScan)
            .Select(t => (t.TaskId, PlacementRequest.From(t.Spec, now), t.Spec.Priority))
            .ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        var unknown = new HashSet<string>(StringComparer.Ordinal);
        var plans = Consolidation.Plan(policy, view, accounts.Values, waiting, RequestOf(now), NotToMove(), unknown, DomainAllows);
        foreach (var plan in plans)
        {
            StartMoves(plan, now);
        }

        // Unless some request was missing: those are learned, and the round after that looks at them all again.
        if (unknown.Count == 0)
        {
            unmovable.UnionWith(waiting.Select(w => w.TaskId).Except(plans.Select(p => p.ForTaskId)));
        }

        LearnLater(unknown);
    }

    /// <summary>
    /// Moves running offline work for the first of the round's complete gangs that fit nowhere whole, when moves make
    /// room for all its members at once (<see cref="Consolidation.PlanGang"/>): the nodes its members are planned onto are
    /// held for it (those emptied, and those with room now) while the moved tasks leave, and it is placed whole there.
    /// One gang at a time; a gang the starvation limit holds nodes for already waits for those.
    /// </summary>
    private void ConsolidateGang(List<List<QueuedTask>> gangs)
    {
        MovesUnderWay();
        if (gangMoving is not null)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var gang in gangs)
        {
            var key = GangMuster.Key(gang[0]);
            if (unmovable.Contains(key) || gangHold?.Gang == key)
            {
                continue;
            }

            var unknown = new HashSet<string>(StringComparer.Ordinal);
            var members = gang.Select(t => (t.TaskId, PlacementRequest.From(t.Spec, now), t.Spec.Priority)).ToList();
            if (Consolidation.PlanGang(policy, view, accounts.Values, members, RequestOf(now), NotToMove(), unknown, DomainAllows) is not { } plan)
            {
                if (unknown.Count == 0)
                {
                    unmovable.Add(key);
                }

                LearnLater(unknown);
                continue;
            }

            gangMoving = (key, plan.NodeIds, now);
            var name = gang[0].Spec.Gang!.Name;
            logger.LogInformation("Gang {Gang} fits nowhere whole in {DataCenter}: work moves off {Emptied}; nodes {NodeIds} take nothing else until it is placed",
                name, DataCenter, string.Join(", ", plan.Moves.Select(m => m.NodeId)), string.Join(", ", plan.NodeIds));
            foreach (var moves in plan.Moves)
            {
                StartMoves(moves, now);
            }

            return;
        }
    }

    /// <summary>Holds a plan's node for its waiting task and moves the plan's tasks off it (each stops and queues again here).</summary>
    private void StartMoves(MovePlan plan, DateTimeOffset now)
    {
        moving[plan.NodeId] = (now, plan.ForTaskId, plan.Moves);
        foreach (var move in plan.Moves)
        {
            logger.LogInformation("Scheduler {DataCenter} moves {TaskId} off {NodeId} (it fits on {FitsOn}) to make room for {ForTaskId}",
                DataCenter, move.TaskId, plan.NodeId, move.FitsOn, plan.ForTaskId);
            placedNotes.Add(new PoolEventNote(PoolEventKinds.Consolidation, move.TaskId, plan.NodeId, $"moved to make room for {plan.ForTaskId} (fits on {move.FitsOn})"));
            OrionTelemetry.Moves.Add(1);

            // Not awaited: the task stops its run and queues again here, which this turn must not wait on.
            MoveFor(move, plan).Ignore();
        }
    }

    /// <summary>Learns, in the background, the requests of those of <paramref name="taskIds"/> not being learned already.</summary>
    private void LearnLater(HashSet<string> taskIds)
    {
        taskIds.ExceptWith(learning);
        if (taskIds.Count > 0)
        {
            Learn(taskIds).Ignore();
        }
    }

    /// <summary>
    /// The nodes moves neither take from nor put into: those with moves, evictions or reservations under way (an account
    /// may not show what the view decided for it), and those held for a task or gang.
    /// </summary>
    private HashSet<string> NotToMove() =>
        moving.Keys.Concat(preempting.Keys).Concat(reclaiming.Keys).Concat(outstanding.Keys)
            .Concat(HeldForTasks().Select(h => h.Node.Id)).Concat(GangHeldNodes().Select(n => n.Id))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A running task's request by id and generation, as of <paramref name="now"/> (a node's maintenance windows are checked
    /// from when a moved task would start again); null when this activation does not know it.
    /// </summary>
    private Func<string, long, PlacementRequest?> RequestOf(DateTimeOffset now) => (taskId, generation) =>
        runningRequests.TryGetValue(taskId, out var known) && known.Generation == generation
            ? known.Request.At is null ? known.Request : known.Request with { At = now }
            : null;

    /// <summary>
    /// For why a task waits: when moving offline work would make room for it (the free room being scattered), which tasks
    /// off which node, and whether consolidation is on to do it; else nothing.
    /// </summary>
    private string ScatteredRoom(string taskId, PlacementRequest request, TaskPriority priority)
    {
        var plans = Consolidation.Plan(policy, view, accounts.Values, [(taskId, request, priority)], RequestOf(time.GetUtcNow()), NotToMove(),
            new HashSet<string>(StringComparer.Ordinal), DomainAllows);
        if (plans is not [var plan])
        {
            return "";
        }

        var moves = string.Join(", ", plan.Moves.Select(m => m.TaskId));
        return consolidate
            ? $"; moving {moves} off {plan.NodeId} would make room for it, at a coming round"
            : $"; its room is scattered: moving {moves} off {plan.NodeId} would make room for it (consolidation is off: orion config --consolidate true)";
    }

    /// <summary>
    /// Forgets the moves whose task was placed or left the queue, whose node cannot take work, or that ran out of patience;
    /// and the gang moves made room for once none of its members waits, or past the same patience.
    /// </summary>
    private void MovesUnderWay()
    {
        var now = time.GetUtcNow();
        if (gangMoving is { } gang && (now - gang.At > MovePatience || !queue.InOrder.Any(t => t.Spec.Gang is not null && GangMuster.Key(t) == gang.Gang)))
        {
            gangMoving = null;
            unmovable.Clear();
        }

        foreach (var (nodeId, m) in moving.ToArray())
        {
            if (now - m.At > MovePatience || queue.Find(m.ForTaskId) is null || view.Find(nodeId) is not { Schedulable: true })
            {
                // Its nodes are open to plans again: tasks no move helped before may be helped now.
                moving.Remove(nodeId);
                unmovable.Clear();
            }
        }
    }

    private async Task MoveFor(MovedTask move, MovePlan plan)
    {
        try
        {
            // As a drain moves it: a deployment's replica waits while its deployment's disruption budget is spent. Then the
            // node will not empty: it is let go of at once (not held for nothing until the patience runs out), and the task
            // it was for is looked at again after the next resync.
            if (await GrainFactory.Grain<IVGpuTaskGrain>(move.TaskId).Move(move.Generation, plan.NodeId, $"moved to make room for {plan.ForTaskId}") is { } why)
            {
                logger.LogInformation("Scheduler {DataCenter} did not move {TaskId} off {NodeId}: {Why}", DataCenter, move.TaskId, plan.NodeId, why);
                if (moving.TryGetValue(plan.NodeId, out var m) && m.ForTaskId == plan.ForTaskId && m.Moves == plan.Moves)
                {
                    moving.Remove(plan.NodeId);
                    unmovable.Add(plan.ForTaskId);
                }
            }
        }
        catch (Exception ex)
        {
            // The node is held until the patience runs out, then tried again.
            logger.LogWarning(ex, "Scheduler {DataCenter} could not move {TaskId} off {NodeId}", DataCenter, move.TaskId, plan.NodeId);
        }
    }

    /// <summary>
    /// Learns the requests of running tasks a move would take that this activation did not place (it came after them), from
    /// their grains; once any is learned, a round over the queue tries the moves again.
    /// </summary>
    private async Task Learn(IReadOnlyCollection<string> taskIds)
    {
        learning.UnionWith(taskIds);
        var statuses = await Task.WhenAll(taskIds.Select(async id =>
        {
            try
            {
                return await GrainFactory.Grain<IVGpuTaskGrain>(id).PeekStatus();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Scheduler {DataCenter} could not read {TaskId}'s request", DataCenter, id);
                return null;
            }
        }));
        var now = time.GetUtcNow();
        var learned = 0;
        foreach (var status in statuses)
        {
            if (status is { Placement: not null } && status.State.HoldsCapacity())
            {
                runningRequests[status.TaskId] = (status.Generation, PlacementRequest.From(status.Spec, now));
                learned++;
            }
        }

        if (learned > 0)
        {
            freed = true;
            Pump();
        }
    }

    /// <summary>
    /// What each tenant holds once the evictions under way are done: their victims gone, the tasks they are for placed. The
    /// nodes' accounts show neither until they happen, and a round that counted without them would evict again for room
    /// already being made (more than fair). Counted from the same accounts the victims are found in, so that a task is
    /// never counted both as placed and as yet to be placed.
    /// </summary>
    private Func<string, (long ComputeMilli, long MemoryMiB)> HeldOnceEvictionsAreDone(long wholeCardMiB)
    {
        var change = new Dictionary<string, (long ComputeMilli, long MemoryMiB)>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string tenant, long computeMilli, long memoryMiB)
        {
            var (c, m) = change.GetValueOrDefault(tenant);
            change[tenant] = (c + computeMilli, m + memoryMiB);
        }

        foreach (var slice in accounts.Values.Where(a => view.Find(a.NodeId) is not null).SelectMany(a => a.Gpus).SelectMany(g => g.Slices))
        {
            seen.Add(slice.TaskId);
            if (slice.Tenant is { } tenant)
            {
                Add(tenant, slice.ComputeMilli, slice.MemoryMiB);
            }
        }

        foreach (var (nodeId, p) in preempting)
        {
            foreach (var slice in accounts.TryGetValue(nodeId, out var node) ? node.Gpus.SelectMany(g => g.Slices) : [])
            {
                if (slice.Tenant is { } tenant && p.Victims.Contains((slice.TaskId, slice.Generation)))
                {
                    Add(tenant, -slice.ComputeMilli, -slice.MemoryMiB);
                }
            }

            // The task a priority eviction is for, while it waits (fair share evictions' tasks are counted below).
            if (!evictedFor.ContainsKey(p.ForTaskId) && queue.Find(p.ForTaskId) is { } waiting)
            {
                var (compute, memory) = FairShareEviction.Asks(waiting.Spec.Resources, wholeCardMiB);
                Add(waiting.Spec.Tenant, compute, memory);
            }
        }

        // The tasks fair share evictions were for, queued or placed since (possibly elsewhere) and not yet in an account.
        var now = time.GetUtcNow();
        foreach (var (taskId, f) in evictedFor.ToArray())
        {
            if (seen.Contains(taskId) || now - f.At > ReclaimPatience)
            {
                evictedFor.Remove(taskId);
            }
            else
            {
                Add(f.Tenant, f.ComputeMilli, f.MemoryMiB);
            }
        }

        return tenant => change.GetValueOrDefault(tenant);
    }

    /// <summary>
    /// What a task of whole cards counts per card for fair sharing: the data centre's largest card's memory, which is what
    /// such a task's slices hold on the common single-model pool.
    /// </summary>
    private long WholeCardMiB() => accounts.Values.SelectMany(a => a.Gpus).Select(g => g.Device.MemoryMiB).DefaultIfEmpty(0).Max();

    /// <summary>
    /// The nodes evictions do not take from: those held for a starving task or gang (or a task room is made for), and those
    /// whose evictions or reclaims are under way.
    /// </summary>
    private HashSet<string> NotToEvictFrom() =>
        preempting.Keys.Concat(reclaiming.Keys).Concat(HeldForTasks().Select(h => h.Node.Id)).Concat(GangHeldNodes().Select(n => n.Id))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Forgets the evictions whose victims have left their node's cards (those for fair share once their task is placed too),
    /// or that ran out of patience.
    /// </summary>
    private void PreemptionsUnderWay()
    {
        var now = time.GetUtcNow();
        foreach (var (nodeId, p) in preempting.ToArray())
        {
            // A fair share eviction's node stays held until its task is placed, not only until the victims left: a round of
            // arrivals alone (the victims queued again) would otherwise hand the room back to them.
            if (now - p.At > ReclaimPatience || !accounts.TryGetValue(nodeId, out var n)
                || (!n.Gpus.Any(g => g.Slices.Any(s => p.Victims.Contains((s.TaskId, s.Generation))))
                    && !(evictedFor.ContainsKey(p.ForTaskId) && queue.Find(p.ForTaskId) is not null)))
            {
                preempting.Remove(nodeId);
            }
        }
    }

    private async Task EvictFor(string victim, long generation, PreemptionPlan plan, string reason)
    {
        try
        {
            await GrainFactory.Grain<IVGpuTaskGrain>(victim).Evict(generation, plan.NodeId, reason);
        }
        catch (Exception ex)
        {
            // The node is tried again once the patience runs out.
            logger.LogWarning(ex, "Scheduler {DataCenter} could not evict {TaskId} from {NodeId}", DataCenter, victim, plan.NodeId);
        }
    }

    /// <summary>Forgets the reclaims whose victims have left their node (or that ran out of patience); true when any is left.</summary>
    private bool ReclaimsUnderWay()
    {
        if (reclaiming.Count == 0)
        {
            return false;
        }

        var now = time.GetUtcNow();
        foreach (var (nodeId, r) in reclaiming.ToArray())
        {
            if (now - r.At > ReclaimPatience || !accounts.TryGetValue(nodeId, out var n) || n.Borrowed.IsDefaultOrEmpty || !n.Borrowed.Any(b => r.Victims.Any(v => v.TaskId == b.TaskId && v.Generation == b.Generation)))
            {
                reclaiming.Remove(nodeId);
            }
        }

        return reclaiming.Count > 0;
    }

    private async Task TakeBack(BorrowedHolding victim, ReclaimPlan plan)
    {
        try
        {
            await GrainFactory.Grain<IVGpuTaskGrain>(victim.TaskId).Reclaim(victim.Generation, plan.NodeId, plan.ForTaskId);
        }
        catch (Exception ex)
        {
            // The node is tried again once the patience runs out.
            logger.LogWarning(ex, "Scheduler {DataCenter} could not evict borrowed task {TaskId} from {NodeId}", DataCenter, victim.TaskId, plan.NodeId);
        }
    }

    /// <summary>The past shares of <paramref name="tenants"/> that have any: their runs here against this data centre's cards.</summary>
    private async Task<Dictionary<string, double>> PastShares(IEnumerable<string> tenants, TimeSpan halfLife)
    {
        var now = time.GetUtcNow();
        var days = await history.Days(tenants.Distinct(StringComparer.Ordinal), DataCenter, FairShare.HistoryStart(now, halfLife), DateOnly.FromDateTime(now.UtcDateTime));
        var (compute, memory) = Capacity();
        var past = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (tenant, of) in days)
        {
            if (FairShare.PastShare(of, now, halfLife, compute, memory) is > 0 and var share)
            {
                past[tenant] = share;
            }
        }

        return past;
    }

    /// <summary>The data centre's cards together: what fair sharing measures a tenant's holdings against.</summary>
    private (long ComputeMilli, long MemoryMiB) Capacity()
    {
        long compute = 0, memory = 0;
        foreach (var node in view.Nodes)
        {
            foreach (var gpu in node.Gpus)
            {
                compute += gpu.ComputeCapacity;
                memory += gpu.MemoryCapacity;
            }
        }

        return (compute, memory);
    }

    private static bool HasMoreRoom(NodeView fresh, NodeView old)
    {
        if (fresh.CpuFree > old.CpuFree || fresh.MemoryFree > old.MemoryFree || (fresh.Schedulable && !old.Schedulable)
            || fresh.SwapBudget > old.SwapBudget || fresh.Gpus.Length != old.Gpus.Length
            || !NodeLabels.Same(fresh.Labels, old.Labels) || !NodeLabels.Same(fresh.Taints, old.Taints) || !fresh.SameMaintenance(old))
        {
            // New labels, taints or maintenance windows may admit a task that a selector, a taint or a window kept
            // waiting (rare, so any change counts).
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

    /// <summary>A task waiting for the next round, and its caller waiting for the round's decision.</summary>
    private sealed record Arrival(QueuedTask Task, bool Newcomer, ActivityContext Parent, TaskCompletionSource<QueueDecision> Decided);

    /// <summary>Reservations out to one node, and the newest account of it that came meanwhile.</summary>
    private sealed class NodeInFlight
    {
        public int Count { get; set; }

        public NodeSnapshot? Newest { get; set; }
    }

    /// <summary>A reservation sent in a round.</summary>
    private sealed record Reservation(QueuedTask Task, PlacementRequest Request, PlacementChoice Choice, Task<(ReservationResult? Result, Exception? Error)> Answer);

    private static ReservationRequest ToReservation(QueuedTask task, PlacementChoice choice, PlacementRequest request) =>
        new(task.TaskId, task.Generation, [.. choice.Gpus.Select(g => g.Id)],
            request.IsExclusive ? 1000 : request.ComputeMilli,
            request.IsExclusive ? 0 : request.GpuMemoryMiB,
            request.IsExclusive, request.CpuMilli, request.HostMemoryMiB, task.Spec.Priority, request.Swappable, task.Spec.Tenant, task.Borrowed,
            task.Spec.Constraints.Spread, task.Spec.Gang is not null, task.Spec.Constraints.Tolerations, task.Spec.MaxRuntime, task.Spec.StayPut);
}
