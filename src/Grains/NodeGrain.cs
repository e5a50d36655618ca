using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// Owns a machine's host capacity and what each task holds there, fronts its cards for reservations
/// (all cards or none) and passes commands to the daemon's observer. A cordon (persisted) refuses new reservations.
/// </summary>
[KeepAlive]
[Placement.DataCenterPlacement]
public sealed class NodeGrain(
    IOptions<PoolOptions> options,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(OrionClock.Key)] TimeProvider time,
    InProcessDaemons inProcess,
    SiloShutdown shutdown,
    Placement.DataCenterResidence residence,
    [PersistentState("cordon", PoolOptions.StorageName)] IPersistentState<NodeOperatorState> cordon,
    PoolSettingsView settings,
    ILogger<NodeGrain> logger) : Grain, INodeGrain, IGrainMigrationParticipant, Access.IAccessTarget
{
    private readonly Dictionary<string, NodeHolding> holdings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GpuSnapshot> gpus = new(StringComparer.Ordinal);

    // Failover steps of a lost daemon still to do (one that threw is tried again at the next lease check).
    private readonly HashSet<string> detachOwed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeLoss> nodeLostOwed = new(StringComparer.Ordinal);


    // Tasks the daemon runs that a fresh activation could not decide yet to adopt or stop (their grain or card did not answer).
    private readonly HashSet<string> adoptOwed = new(StringComparer.Ordinal);

    private NodeRegistration? registration;
    private INodeDaemon? daemon;
    // Snapshots are ordered by version, and a scheduler keeps the newest it saw. A fresh activation (its silo died)
    // must not start below the old one's count, or every snapshot it sends would be dropped as stale: start from the
    // wall clock's ticks (an ordering token, not the Orion clock, which tests hold still).
    private long version = DateTime.UtcNow.Ticks;
    private DateTimeOffset lastSeen;
    private DateTimeOffset meteredAt;
    private IGrainTimer? leaseTimer;

    private string NodeId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Each activation counts from its start: its first checkpoint comes an interval later.
        meteredAt = time.GetUtcNow();

        // A node moved here from another silo keeps its daemon's lease running.
        if (registration is not null)
        {
            leaseTimer = this.RegisterGrainTimer(CheckLease, new GrainTimerCreationOptions(options.Value.LeaseCheckInterval, options.Value.LeaseCheckInterval));
        }

        var every = options.Value.ResidenceCheckInterval;
        this.RegisterGrainTimer(CheckResidence, new GrainTimerCreationOptions(every, every));
        return Task.CompletedTask;
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        // Moving to a silo of its data centre: what it holds goes along, so nothing waits for the daemon's next heartbeat.
        if (registration is null)
        {
            return;
        }

        dehydrationContext.TryAddValue("registration", registration);
        dehydrationContext.TryAddValue("daemon", daemon);
        dehydrationContext.TryAddValue("holdings", holdings);
        dehydrationContext.TryAddValue("gpus", gpus.Values.ToArray());
        dehydrationContext.TryAddValue("version", version);
        dehydrationContext.TryAddValue("lastSeen", lastSeen);
        dehydrationContext.TryAddValue("detachOwed", detachOwed.ToArray());
        dehydrationContext.TryAddValue("nodeLostOwed", nodeLostOwed);
        dehydrationContext.TryAddValue("adoptOwed", adoptOwed.ToArray());
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (!rehydrationContext.TryGetValue<NodeRegistration>("registration", out var r) || r is null)
        {
            return;
        }

        registration = r;
        rehydrationContext.TryGetValue("daemon", out daemon);
        if (rehydrationContext.TryGetValue<Dictionary<string, NodeHolding>>("holdings", out var held) && held is not null)
        {
            foreach (var (taskId, h) in held)
            {
                holdings[taskId] = h;
            }
        }

        if (rehydrationContext.TryGetValue<GpuSnapshot[]>("gpus", out var cards) && cards is not null)
        {
            foreach (var g in cards)
            {
                gpus[g.Device.GpuId] = g;
            }
        }

        rehydrationContext.TryGetValue("version", out version);
        rehydrationContext.TryGetValue("lastSeen", out lastSeen);
        if (rehydrationContext.TryGetValue<string[]>("detachOwed", out var detach) && detach is not null)
        {
            detachOwed.UnionWith(detach);
        }

        if (rehydrationContext.TryGetValue<Dictionary<string, NodeLoss>>("nodeLostOwed", out var lost) && lost is not null)
        {
            foreach (var (taskId, loss) in lost)
            {
                nodeLostOwed[taskId] = loss;
            }
        }

        if (rehydrationContext.TryGetValue<string[]>("adoptOwed", out var adopt) && adopt is not null)
        {
            adoptOwed.UnionWith(adopt);
        }
    }

    public async Task<NodeSnapshot> Register(NodeRegistration registration, INodeDaemon daemon)
    {
        Validate(registration);
        var (before, daemonBefore) = (this.registration, this.daemon);
        try
        {
            return await Reconcile(registration, daemon);
        }
        catch
        {
            // Not taken in: the next heartbeat is again a first registration (adopting what the daemon runs) or a restart
            // (failing over what the old instance ran), instead of stopping those tasks as orphans or forgetting them.
            (this.registration, this.daemon) = (before, daemonBefore);
            throw;
        }
        finally
        {
            // The daemon's next heartbeats queue behind this turn while it waits on the cards (and expire after 30 s): the
            // lease counts from its end too, or a card slow to answer (moving silos, say) makes a live daemon "lost".
            lastSeen = time.GetUtcNow();
        }
    }

    /// <summary>
    /// Refuses a registration this node cannot take, before anything changes: another node's id or data centre, cards
    /// that are not this node's (two nodes would then attach the same card and fight over it), or sizes that make no sense.
    /// </summary>
    private static bool IsAddress(string address) =>
        address.Length is >= 1 and <= 253 && address.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '_');

    private void Validate(NodeRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (registration.NodeId != NodeId)
        {
            throw new ArgumentException($"registration.nodeId '{registration.NodeId}' must equal the node grain's key '{NodeId}'", nameof(registration));
        }

        var dataCenter = GrainKeys.DataCenterOf(NodeId);
        if (registration.DataCenter != dataCenter)
        {
            throw new ArgumentException($"registration.dataCenter '{registration.DataCenter}' must equal the data centre of the node's key '{dataCenter}'", nameof(registration));
        }

        if (registration.CpuMilli < 0)
        {
            throw new ArgumentException($"registration.cpuMilli {registration.CpuMilli} must not be negative", nameof(registration));
        }

        if (registration.MemoryMiB < 0)
        {
            throw new ArgumentException($"registration.memoryMiB {registration.MemoryMiB} must not be negative", nameof(registration));
        }

        if (registration.HostSwapMiB < 0)
        {
            throw new ArgumentException($"registration.hostSwapMiB {registration.HostSwapMiB} must not be negative", nameof(registration));
        }

        if (NodeLabels.Check(registration.Labels, "registration.labels") is { IsEmpty: false } labels)
        {
            throw new ArgumentException(string.Join("; ", labels), nameof(registration));
        }

        if (NodeTaints.Check(registration.Taints, "registration.taints") is { IsEmpty: false } taints)
        {
            throw new ArgumentException(string.Join("; ", taints), nameof(registration));
        }

        if (registration.Address is { } address && !IsAddress(address))
        {
            throw new ArgumentException($"registration.address '{address}' must be a host name or IP address (letters, digits, '.', '-', ':', '_'; 1 to 253 characters)", nameof(registration));
        }

        if (registration.Gpus.IsDefault)
        {
            throw new ArgumentException("registration.gpus must be given (an empty list for a node without cards)", nameof(registration));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < registration.Gpus.Length; i++)
        {
            var card = registration.Gpus[i];
            if (card is null)
            {
                throw new ArgumentException($"registration.gpus[{i}] must not be null", nameof(registration));
            }

            var expected = GrainKeys.Gpu(NodeId, card.Index);
            if (card.Index < 0 || card.GpuId != expected)
            {
                throw new ArgumentException($"registration.gpus[{i}].gpuId '{card.GpuId}' must be a card of this node: '{NodeId}/<index>' with its non-negative index ('{expected}')", nameof(registration));
            }

            if (!seen.Add(card.GpuId))
            {
                throw new ArgumentException($"registration.gpus[{i}].gpuId '{card.GpuId}' is listed twice", nameof(registration));
            }

            if (card.MemoryMiB < 0)
            {
                throw new ArgumentException($"registration.gpus[{i}].memoryMiB {card.MemoryMiB} must not be negative", nameof(registration));
            }

            if (card.LinkDomain < 0 || card.LinkDomain >= registration.Gpus.Length)
            {
                throw new ArgumentException($"registration.gpus[{i}].linkDomain {card.LinkDomain} must be 0 to {registration.Gpus.Length - 1} (a group of the node's cards)", nameof(registration));
            }
        }

        var faults = registration.Faults.IsDefault ? [] : registration.Faults;
        var faulted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < faults.Length; i++)
        {
            var fault = faults[i];
            if (fault is null || !seen.Contains(fault.GpuId ?? ""))
            {
                throw new ArgumentException($"registration.faults[{i}].gpuId '{fault?.GpuId}' must be one of the registration's cards", nameof(registration));
            }

            if (!faulted.Add(fault.GpuId!))
            {
                throw new ArgumentException($"registration.faults[{i}].gpuId '{fault.GpuId}' is listed twice", nameof(registration));
            }

            if (string.IsNullOrWhiteSpace(fault.Reason) || fault.Reason.Length > CardFault.MaxReasonLength)
            {
                throw new ArgumentException($"registration.faults[{i}].reason must be 1 to {CardFault.MaxReasonLength} characters, not blank", nameof(registration));
            }
        }
    }

    /// <summary>Takes in a daemon's registration or heartbeat: attaches the cards, adopts or stops what it runs, tells the scheduler.</summary>
    private async Task<NodeSnapshot> Reconcile(NodeRegistration registration, INodeDaemon daemon)
    {
        // Reconcile: a new daemon instance lost whatever the old one ran, and anything it runs that this node
        // does not hold (an orphan of a lost lease or an old generation) is stopped.
        var previous = this.registration;
        var wasLost = previous is not null && this.daemon is null;
        var restarted = previous is not null && previous.Instance != registration.Instance;
        this.registration = registration;
        this.daemon = daemon;
        lastSeen = time.GetUtcNow();
        leaseTimer ??= this.RegisterGrainTimer(CheckLease, new GrainTimerCreationOptions(options.Value.LeaseCheckInterval, options.Value.LeaseCheckInterval));
        var running = registration.Running.IsDefault ? [] : registration.Running;

        // The cards first: adopting a task re-reserves its slices on them. Their capacity follows the pool's live settings,
        // so a change reaches each card at its node's next heartbeat.
        var pool = await settings.Get();
        var capacity = pool.ComputeCapacityMilli;
        // The CUDA driver does not checkpoint MPS clients (seen on an H200), so a node under MPS moves no memory to host.
        var memoryFactor = registration.SliceEnforcement == GpuBackends.EnforcedByMps ? 1.0 : pool.MemoryOversubscription;
        var attached = await Task.WhenAll(registration.Gpus.Select(d =>
            GrainFactory.Grain<IGpuGrain>(d.GpuId).Attach(d, capacity, (long)(d.MemoryMiB * memoryFactor), daemon)));

        // Re-registration is also the daemon's heartbeat: the scheduler hears of it only when something changed.
        var changed = previous is null || restarted || wasLost || !SameMachine(previous, registration)
            || attached.Length != gpus.Count || attached.Any(g => !gpus.TryGetValue(g.Device.GpuId, out var known) || known.Version != g.Version);
        gpus.Clear();
        foreach (var g in attached)
        {
            gpus[g.Device.GpuId] = g;
        }

        // A card that lost its memory (its silo died, or it moved without its state) gets this node's slices back.
        foreach (var (taskId, held) in holdings.ToList())
        {
            for (var i = 0; i < held.GpuIds.Length && i < held.Slices.Length; i++)
            {
                var id = held.GpuIds[i];
                if (gpus.TryGetValue(id, out var card) && !card.Slices.Any(sl => sl.TaskId == taskId && sl.Generation == held.Generation))
                {
                    logger.LogInformation("Node {NodeId} reserves {TaskId} generation {Generation} on {GpuId} again: the card had lost it", NodeId, taskId, held.Generation, id);
                    var again = await GrainFactory.Grain<IGpuGrain>(id).Reserve(held.Slices[i]);
                    gpus[id] = again.Gpu;
                    // Only a task the daemon runs has started; one still placing is started by its own start.
                    if (again.Accepted && running.Any(r => r.TaskId == taskId && r.Generation == held.Generation))
                    {
                        await GrainFactory.Grain<IGpuGrain>(id).OnTaskStarted(taskId, held.Generation);
                        gpus[id] = (await GrainFactory.Grain<IGpuGrain>(id).GetSnapshot()) ?? again.Gpu;
                    }

                    changed = true;
                }
            }
        }

        await SeeStartsThrough(running);

        if (previous is null)
        {
            adoptOwed.UnionWith(running.Select(r => r.TaskId));
        }

        adoptOwed.IntersectWith(running.Select(r => r.TaskId));
        if (previous is null || adoptOwed.Count > 0)
        {
            await Adopt(running.Where(r => adoptOwed.Contains(r.TaskId)));

            // Cards that outlived the node's last activation may hold slices it reserved for tasks that ended or never
            // started since: the node is their only reserver, so what it does not hold now is let go.
            foreach (var card in gpus.Values.ToList())
            {
                foreach (var slice in card.Slices.Where(sl => !adoptOwed.Contains(sl.TaskId) && (!holdings.TryGetValue(sl.TaskId, out var h) || h.Generation != sl.Generation)))
                {
                    logger.LogInformation("Node {NodeId} lets go of {TaskId} generation {Generation} on {GpuId}: it holds no such reservation", NodeId, slice.TaskId, slice.Generation, card.Device.GpuId);
                    gpus[card.Device.GpuId] = await GrainFactory.Grain<IGpuGrain>(card.Device.GpuId).Release(slice.TaskId, slice.Generation);
                }
            }
        }

        foreach (var orphan in running.Where(r => !adoptOwed.Contains(r.TaskId) && (!holdings.TryGetValue(r.TaskId, out var h) || h.Generation != r.Generation)))
        {
            logger.LogWarning("Node {NodeId} runs {TaskId} generation {Generation} that it does not hold: stopping it", NodeId, orphan.TaskId, orphan.Generation);
            // Unheard when this silo stops first: the heartbeat is not taken in, and the next one stops the orphan.
            await shutdown.WhileRunning(inProcess.Resolve(daemon).Stop(orphan.TaskId, orphan.Generation));
        }

        await LetGoOfUnclaimed(running);
        await FailOverFaultedCards(previous, registration, daemon);

        if (restarted || wasLost)
        {
            foreach (var (taskId, held) in holdings.Where(h => !running.Any(r => r.TaskId == h.Key && r.Generation == h.Value.Generation)))
            {
                nodeLostOwed[taskId] = new(held.Generation, $"node {NodeId} restarted without it");
            }

            await TellLost();
        }

        if (!changed)
        {
            // A pool directory that lost its memory (its silo died) learns of the node again, and so does the scheduler.
            if (await GrainFactory.Grain<IPoolGrain>(GrainKeys.Pool).AddNode(NodeId))
            {
                await Scheduler.OnNodeChanged(Snapshot());
            }

            return Snapshot();
        }

        version++;
        await GrainFactory.Grain<IPoolGrain>(GrainKeys.Pool).AddNode(NodeId);
        logger.LogInformation(
            "Node {NodeId} registered: {GpuCount} cards ({Backend}), {CpuMilli} CPU milli, {MemoryMiB} MiB",
            NodeId, registration.Gpus.Length, registration.Backend, registration.CpuMilli, registration.MemoryMiB);
        var snapshot = Snapshot();
        await Scheduler.OnNodeChanged(snapshot);
        return snapshot;
    }

    public Task<ReservationResult> Reserve(ReservationRequest request)
    {
        // New work only: a repeat of what it holds is answered as before (adoption does not come through here).
        var repeat = holdings.TryGetValue(request.TaskId, out var held) && held.Generation == request.Generation;
        if (cordon.State.Reason is { } why && !repeat)
        {
            return Task.FromResult(new ReservationResult(false, $"node {NodeId} is cordoned: {why}", Snapshot()));
        }

        // Whatever a scheduler's view said: its clock and its copy of the windows may be a moment behind.
        var now = time.GetUtcNow();
        if (!repeat && Scheduling.MaintenanceCalendar.Blocking(cordon.State.Maintenance, now, request.MaxRuntime) is { } window)
        {
            return Task.FromResult(new ReservationResult(false, Scheduling.MaintenanceCalendar.Why(NodeId, window, now, request.MaxRuntime), Snapshot()));
        }

        return Hold(request);
    }

    public async Task<NodeSnapshot?> ScheduleMaintenance(MaintenanceWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var now = time.GetUtcNow();
        if (Scheduling.MaintenanceCalendar.Refusal(cordon.State.Maintenance, window, now) is { IsEmpty: false } broken)
        {
            throw new ArgumentException(string.Join("; ", broken), nameof(window));
        }

        // Added beside what is stored: a window that ended a moment ago is still there for the next check to take its cordon off.
        await WriteOperatorState(state => state.Maintenance = [.. (state.Maintenance.IsDefault ? [] : state.Maintenance).Add(window).OrderBy(w => w.Start)]);
        logger.LogInformation("Node {NodeId} goes into maintenance at {Start} for {Duration} (drain {Drain}, notice {Notice}): {Reason}",
            NodeId, window.Start, window.Duration, window.Drain, window.Notice, window.Reason);
        Events.Publish(PoolEventKinds.Maintenance, "", NodeId, RequestedBy.Noted($"planned {window}"), 0).Ignore();
        return await KeepMaintenance() ?? await Changed();
    }

    public async Task<NodeSnapshot?> CancelMaintenance(DateTimeOffset start)
    {
        if (cordon.State.Maintenance.FirstOrDefault(w => w.Start == start) is not { } window)
        {
            var planned = cordon.State.Maintenance.IsDefaultOrEmpty ? "none" : string.Join(", ", cordon.State.Maintenance.Select(w => MaintenanceWindow.Format(w.Start)));
            throw new ArgumentException($"start must be the start of one of node {NodeId}'s maintenance windows ({planned}); {MaintenanceWindow.Format(start)} is not", nameof(start));
        }

        // A window in force ends now: its cordon comes off with it, unless an operator changed the cordon meanwhile.
        var own = cordon.State.Reason == window.CordonText && cordon.State.MaintenanceBegun == window.Start;
        await WriteOperatorState(state =>
        {
            state.Maintenance = state.Maintenance.Remove(window);
            if (own)
            {
                (state.Reason, state.Since) = (null, null);
            }
        });
        logger.LogInformation("Node {NodeId}'s maintenance at {Start} is cancelled", NodeId, window.Start);
        Events.Publish(own ? PoolEventKinds.Uncordon : PoolEventKinds.Maintenance, "", NodeId, RequestedBy.Noted($"cancelled maintenance {window}"), 0).Ignore();
        return await Changed();
    }

    /// <summary>
    /// Does what the windows say at the pool's time: an ended window goes, with its cordon unless an operator changed it;
    /// the node goes into a window that began (cordoned, unless an operator's cordon is on already), once; a drained
    /// window evicts what the node still holds. Returns the snapshot after a change, null when nothing changed.
    /// </summary>
    private async Task<NodeSnapshot?> KeepMaintenance()
    {
        var windows = cordon.State.Maintenance;
        if (windows.IsDefaultOrEmpty)
        {
            return null;
        }

        // Run at every lease check: the list is rebuilt only when a window ended (stored windows are in start order).
        var now = time.GetUtcNow();
        var ended = windows.Where(w => w.End <= now).ToList();
        var kept = ended.Count == 0 ? windows : Scheduling.MaintenanceCalendar.Kept(windows, now);
        var over = ended.FirstOrDefault(w => cordon.State.Reason == w.CordonText && cordon.State.MaintenanceBegun == w.Start);
        var inForce = Scheduling.MaintenanceCalendar.InForce(kept, now);
        var begins = inForce is not null && cordon.State.MaintenanceBegun != inForce.Start;
        var cordons = begins && (over is not null || cordon.State.Reason is null);
        NodeSnapshot? changed = null;
        if (ended.Count > 0 || begins)
        {
            await WriteOperatorState(state =>
            {
                state.Maintenance = kept;
                if (over is not null)
                {
                    (state.Reason, state.Since, state.MaintenanceBegun) = (null, null, null);
                }

                if (begins)
                {
                    state.MaintenanceBegun = inForce!.Start;
                    if (cordons)
                    {
                        (state.Reason, state.Since) = (inForce.CordonText, now);
                    }
                }
            });

            if (over is not null)
            {
                logger.LogInformation("Node {NodeId}'s maintenance ended: {Reason}", NodeId, over.Reason);
                Events.Publish(PoolEventKinds.Uncordon, "", NodeId, RequestedBy.Noted($"maintenance ended: {over.Reason}"), 0).Ignore();
            }

            foreach (var next in kept.Where(w => !windows.Contains(w)))
            {
                logger.LogInformation("Node {NodeId}'s maintenance repeats at {Start}: {Reason}", NodeId, next.Start, next.Reason);
                Events.Publish(PoolEventKinds.Maintenance, "", NodeId, RequestedBy.Noted($"repeats: {next}"), 0).Ignore();
            }

            if (begins)
            {
                logger.LogInformation("Node {NodeId} went into maintenance until {End} (drain {Drain}): {Reason}", NodeId, inForce!.End, inForce.Drain, inForce.Reason);
                Events.Publish(cordons ? PoolEventKinds.Cordon : PoolEventKinds.Maintenance, "", NodeId,
                    RequestedBy.Noted(cordons ? inForce.CordonText : $"maintenance began under an operator's cordon: {inForce.Reason}"), 0).Ignore();
            }

            changed = await Changed();
        }

        if (inForce is { Drain: true } drained)
        {
            EvictFor(drained);
        }
        else if (kept.FirstOrDefault(w => w.Drain && w.NoticeFrom <= now && now < w.Start) is { } coming)
        {
            MoveAhead(coming);
        }

        return changed;
    }

    /// <summary>
    /// In a drained window's notice, asks each deployment replica the node holds to move off ahead of the start, within its
    /// deployment's disruption budget (by default one replica at a time), so a rack's nodes going down together do not take a service down;
    /// other work stays until the start. Without waiting, as <see cref="EvictFor"/>.
    /// </summary>
    private void MoveAhead(MaintenanceWindow window)
    {
        foreach (var (taskId, held) in holdings)
        {
            GrainFactory.Grain<IVGpuTaskGrain>(taskId).Move(held.Generation, NodeId, $"maintenance at {MaintenanceWindow.Format(window.Start)}: {window.Reason}", replicasOnly: true).Ignore();
        }
    }

    /// <summary>
    /// Asks each task the node holds to move off (each stops here and queues again), without waiting: the task's stop
    /// calls back into this node. One not started yet says no; the next check asks again.
    /// </summary>
    private void EvictFor(MaintenanceWindow window)
    {
        foreach (var (taskId, held) in holdings)
        {
            GrainFactory.Grain<IVGpuTaskGrain>(taskId).Evict(held.Generation, NodeId, $"maintenance: {window.Reason}").Ignore();
        }
    }

    public async Task<NodeSnapshot?> Cordon(string reason)
    {
        if (!CordonReason.IsValid(reason))
        {
            throw new ArgumentException($"reason {CordonReason.Rule}", nameof(reason));
        }

        if (cordon.State.Reason == reason)
        {
            return registration is null ? null : Snapshot();
        }

        await WriteCordon(reason, cordon.State.Since ?? time.GetUtcNow());
        logger.LogInformation("Node {NodeId} cordoned: {Reason}", NodeId, reason);
        Events.Publish(PoolEventKinds.Cordon, "", NodeId, RequestedBy.Noted(reason), 0).Ignore();
        return await Changed();
    }

    public async Task<NodeSnapshot?> Uncordon()
    {
        if (cordon.State.Reason is null)
        {
            return registration is null ? null : Snapshot();
        }

        var was = cordon.State.Reason;
        await WriteCordon(null, null);
        logger.LogInformation("Node {NodeId} uncordoned", NodeId);
        Events.Publish(PoolEventKinds.Uncordon, "", NodeId, RequestedBy.Noted($"was cordoned: {was}"), 0).Ignore();
        return await Changed();
    }

    public async Task<NodeSnapshot?> CordonCard(string gpuId, string? reason)
    {
        var index = gpuId is null || !gpuId.StartsWith(NodeId + "/", StringComparison.Ordinal) ? -1
            : int.TryParse(gpuId.AsSpan(NodeId.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : -1;
        if (gpuId is null || index < 0 || (registration is not null && !registration.Gpus.Any(g => g.GpuId == gpuId)))
        {
            throw new ArgumentException($"gpuId '{gpuId}' must be a card of node {NodeId} ({NodeId}/<index>)", nameof(gpuId));
        }

        if (reason is not null && !CordonReason.IsValid(reason))
        {
            throw new ArgumentException($"reason {CordonReason.Rule}", nameof(reason));
        }

        var was = cordon.State.Cards;
        var next = reason is null ? was.Remove(gpuId) : was.SetItem(gpuId, reason);
        if (next == was)
        {
            return registration is null ? null : Snapshot();
        }

        await WriteCardCordons(next);
        logger.LogInformation("Node {NodeId} card {GpuId} {Change}", NodeId, gpuId, reason is null ? "uncordoned" : $"cordoned: {reason}");
        Events.Publish(reason is null ? PoolEventKinds.Uncordon : PoolEventKinds.Cordon, "", gpuId,
            RequestedBy.Noted(reason ?? $"was cordoned: {was[gpuId]}"), 0).Ignore();
        return await Changed();
    }

    public async Task<NodeSnapshot?> Mark(NodeMarks change, bool taints)
    {
        ArgumentNullException.ThrowIfNull(change);
        var field = taints ? "taints" : "labels";
        if ((taints ? NodeTaints.Check(change.Set, field) : NodeLabels.Check(change.Set, field)) is { IsEmpty: false } broken)
        {
            throw new ArgumentException(string.Join("; ", broken.Select(b => $"{b.Field} {b.Rule}")), nameof(change));
        }

        var (daemons, operators) = taints ? (registration?.Taints, cordon.State.Taints) : (registration?.Labels, cordon.State.Labels);
        var remove = change.Remove.IsDefault ? [] : change.Remove;
        if (remove.FirstOrDefault(k => daemons?.ContainsKey(k) == true && !operators.ContainsKey(k)) is { } theirs)
        {
            throw new ArgumentException($"{field}[{theirs}] is set by node {NodeId}'s daemon (--{field[..^1]} {theirs}={daemons![theirs]}): change its flags to take it off", nameof(change));
        }

        var next = operators.SetItems(change.Set ?? ImmutableDictionary<string, string>.Empty).RemoveRange(remove);
        if (Overlay(daemons, next) is { Count: > NodeLabels.MaxCount })
        {
            throw new ArgumentException($"{field} must be at most {NodeLabels.MaxCount} on node {NodeId}, the daemon's and operators' together", nameof(change));
        }

        if (next.Count == operators.Count && next.All(m => operators.TryGetValue(m.Key, out var v) && v == m.Value))
        {
            return registration is null ? null : Snapshot();
        }

        await WriteOperatorState(state =>
        {
            if (taints)
            {
                state.Taints = next;
            }
            else
            {
                state.Labels = next;
            }
        });
        logger.LogInformation("Node {NodeId}'s operator {Kind} are now {Marks}", NodeId, field, string.Join(",", next.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}")));
        return await Changed();
    }

    /// <summary>The daemon's labels or taints with the operators' over them; null for none.</summary>
    private static ImmutableDictionary<string, string>? Overlay(ImmutableDictionary<string, string>? daemons, ImmutableDictionary<string, string> operators) =>
        operators.IsEmpty ? daemons is { IsEmpty: false } ? daemons : null
        : daemons is null or { IsEmpty: true } ? operators : daemons.SetItems(operators);

    /// <summary>The node's labels as placement reads them: its daemon's, and operators' over them.</summary>
    private ImmutableDictionary<string, string>? Labels => Overlay(registration?.Labels, cordon.State.Labels);

    /// <summary>The node's taints as placement reads them: its daemon's, and operators' beside them.</summary>
    private ImmutableDictionary<string, string>? Taints => Overlay(registration?.Taints, cordon.State.Taints);

    public async Task<MetricReading> ReadMetric(string taskId, long generation, ScaleMetric metric) =>
        daemon is { } attached ? await attached.ReadMetric(taskId, generation, metric) : MetricReading.Failed($"node {this.GetPrimaryKeyString()} has no daemon attached");

    public async Task<TaskLogChunk?> ReadLog(string taskId, long generation, long offset, int maxBytes) =>
        daemon is { } attached ? await attached.ReadLog(taskId, generation, offset, Math.Clamp(maxBytes, 0, TaskLogChunk.MaxBytes)) : null;

    public Task<ImmutableArray<RunningTask>> ListTasks() =>
        Task.FromResult(holdings.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new RunningTask(h.Key, h.Value.Generation)).ToImmutableArray());

    private Task WriteCordon(string? reason, DateTimeOffset? since) => WriteOperatorState(state => (state.Reason, state.Since) = (reason, since));

    /// <summary>Changes what operators set on the node and keeps it in storage; a write that fails leaves the node with what storage has, and throws.</summary>
    private async Task WriteOperatorState(Action<NodeOperatorState> change)
    {
        var state = cordon.State;
        var was = (state.Reason, state.Since, state.Labels, state.Taints, state.Cards, state.CardFaults, state.Maintenance, state.MaintenanceBegun);
        change(state);
        try
        {
            await cordon.WriteStateAsync();
        }
        catch
        {
            (state.Reason, state.Since, state.Labels, state.Taints, state.Cards, state.CardFaults, state.Maintenance, state.MaintenanceBegun) = was;
            throw;
        }
    }

    /// <summary>Tells the scheduler (a registered node only) and returns the snapshot.</summary>
    private async Task<NodeSnapshot?> Changed()
    {
        if (registration is null)
        {
            return null;
        }

        version++;
        var snapshot = Snapshot();
        await Scheduler.OnNodeChanged(snapshot);
        return snapshot;
    }

    /// <param name="adopting">A task the daemon already runs: its spread group is counted, never refused.</param>
    private async Task<ReservationResult> Hold(ReservationRequest request, bool adopting = false)
    {
        if (registration is null || daemon is null)
        {
            return new ReservationResult(false, $"node {NodeId} has no daemon attached", Snapshot());
        }

        if (holdings.TryGetValue(request.TaskId, out var held))
        {
            if (held.Generation >= request.Generation)
            {
                var same = held.Generation == request.Generation;
                return new ReservationResult(same, same ? null : $"generation {request.Generation} is older than the held {held.Generation}", Snapshot());
            }

            await ReleaseHolding(request.TaskId, held);
        }

        // A tainted node takes only what tolerates it, whatever a scheduler's view said (it may predate the taint).
        if (!adopting && Taints is { } taints && !NodeTaints.Tolerates(taints, request.Tolerations))
        {
            return new ReservationResult(false, $"node {NodeId} is tainted {string.Join(", ", NodeTaints.NotTolerated(taints, request.Tolerations))}, which the task does not tolerate", Snapshot());
        }

        var cpuFree = registration.CpuMilli - holdings.Values.Sum(h => h.CpuMilli);
        var memFree = registration.MemoryMiB - holdings.Values.Sum(h => h.HostMemoryMiB);
        if (request.CpuMilli > cpuFree)
        {
            return new ReservationResult(false, $"node {NodeId} has {cpuFree} CPU milli free, {request.CpuMilli} wanted", Snapshot());
        }

        if (request.HostMemoryMiB > memFree)
        {
            return new ReservationResult(false, $"node {NodeId} has {memFree} MiB host memory free, {request.HostMemoryMiB} wanted", Snapshot());
        }

        if (!adopting && request.Spread is { Preferred: false } spread)
        {
            if (spread.TopologyKey is { } key && Labels?.ContainsKey(key) != true)
            {
                return new ReservationResult(false, $"node {NodeId} has no {key} label, over which spread group {spread.Group} is spread", Snapshot());
            }

            var group = holdings.Values.Count(h => InGroup(h, request.Tenant, spread));
            if (group >= spread.MaxPerDomain)
            {
                return new ReservationResult(false, $"node {NodeId} holds {group} task(s) of spread group {spread.Group} already (at most {spread.MaxPerDomain} per {spread.TopologyKey ?? "node"})", Snapshot());
            }
        }

        foreach (var id in request.GpuIds)
        {
            if (!gpus.ContainsKey(id))
            {
                return new ReservationResult(false, $"card {id} is not on node {NodeId}", Snapshot());
            }

            // Whatever a scheduler's view said: it may predate the daemon's report or the operator's cordon.
            if (!adopting && FaultOf(id) is { } fault)
            {
                return new ReservationResult(false, $"card {id} is faulted: {fault}", Snapshot());
            }

            if (!adopting && cordon.State.Cards.TryGetValue(id, out var cordoned))
            {
                return new ReservationResult(false, $"card {id} is cordoned: {cordoned}", Snapshot());
            }
        }

        // Once a card's memory is oversubscribed, any of its swappable tasks may move to host RAM whole:
        // the node's swap budget must hold that worst case.
        static long Pinned(GpuSnapshot g) => g.Slices.Where(s => !s.Swappable).Sum(s => s.MemoryMiB);
        static long Need(GpuSnapshot g) => Scheduling.GpuView.HostNeed(g.MemoryAllocatedMiB, Pinned(g), g.Device.MemoryMiB);
        var overflowNow = gpus.Values.Sum(Need);
        var overflowAfter = overflowNow + request.GpuIds.Sum(id =>
        {
            var g = gpus[id];
            var memory = MemoryOn(g.Device, request);
            var after = Scheduling.GpuView.HostNeed(g.MemoryAllocatedMiB + memory, Pinned(g) + (request.Swappable ? 0 : memory), g.Device.MemoryMiB);
            return after - Need(g);
        });
        if (overflowAfter > overflowNow && overflowAfter > registration.HostSwapMiB)
        {
            return new ReservationResult(false, $"node {NodeId} host swap budget has {registration.HostSwapMiB - overflowNow} MiB free, {overflowAfter - overflowNow} wanted", Snapshot());
        }

        GpuReservationResult[] results;
        try
        {
            results = await Task.WhenAll(request.GpuIds.Select(id =>
            {
                var slice = SliceOn(id, request);
                return GrainFactory.Grain<IGpuGrain>(id).Reserve(slice);
            }));
        }
        catch
        {
            // A card threw (it did not refuse): the others may have said yes, and it may have too. Nothing holds this
            // generation, so give it back on every card (idempotent), or those slices leak.
            await UndoReservation(request);
            throw;
        }
        foreach (var r in results)
        {
            gpus[r.Gpu.Device.GpuId] = r.Gpu;
        }

        var refused = results.FirstOrDefault(r => !r.Accepted);
        if (refused is not null)
        {
            // All or nothing: give back the cards that said yes.
            var undone = await Task.WhenAll(results.Where(r => r.Accepted).Select(r =>
                GrainFactory.Grain<IGpuGrain>(r.Gpu.Device.GpuId).Release(request.TaskId, request.Generation)));
            foreach (var g in undone)
            {
                gpus[g.Device.GpuId] = g;
            }

            version++;
            return new ReservationResult(false, refused.Reason, Snapshot());
        }

        holdings[request.TaskId] = new NodeHolding(request.Generation, request.GpuIds, request.CpuMilli, request.HostMemoryMiB,
            [.. request.GpuIds.Select(id => SliceOn(id, request))],
            time.GetUtcNow(), request.Tenant, request.Spread);
        version++;
        return new ReservationResult(true, null, Snapshot());
    }

    private async Task UndoReservation(ReservationRequest request)
    {
        foreach (var id in request.GpuIds)
        {
            try
            {
                gpus[id] = await GrainFactory.Grain<IGpuGrain>(id).Release(request.TaskId, request.Generation);
            }
            catch (Exception ex)
            {
                // A fresh node activation lets go of card slices it does not hold.
                logger.LogWarning(ex, "Node {NodeId} could not give back {TaskId} generation {Generation} on {GpuId}", NodeId, request.TaskId, request.Generation, id);
            }
        }

        version++;
    }

    public async Task Release(string taskId, long generation)
    {
        if (holdings.TryGetValue(taskId, out var held) && held.Generation <= generation)
        {
            await ReleaseHolding(taskId, held);
            await Scheduler.OnNodeChanged(Snapshot());
        }
    }

    public async Task Repaid(string taskId, long generation)
    {
        if (holdings.TryGetValue(taskId, out var held) && held.Generation == generation && held.Slices.Any(s => s.Borrowed))
        {
            holdings[taskId] = held with { Slices = [.. held.Slices.Select(s => s with { Borrowed = false })] };
            version++;
            await Scheduler.OnNodeChanged(Snapshot());
        }
    }

    public async Task SetTaskPriority(string taskId, long generation, TaskPriority priority)
    {
        if (!holdings.TryGetValue(taskId, out var held) || held.Generation != generation || held.Slices.All(s => s.Priority == priority))
        {
            return;
        }

        var cards = await Task.WhenAll(held.GpuIds.Select(id => GrainFactory.Grain<IGpuGrain>(id).SetPriority(taskId, generation, priority)));
        foreach (var g in cards)
        {
            gpus[g.Device.GpuId] = g;
        }

        if (holdings.TryGetValue(taskId, out var now) && now.Generation == generation)
        {
            holdings[taskId] = now with { Slices = [.. now.Slices.Select(s => s with { Priority = priority })] };
        }

        version++;
        await Scheduler.OnNodeChanged(Snapshot());
    }

    public async Task StartTask(TaskLaunch launch)
    {
        if (!holdings.TryGetValue(launch.TaskId, out var held) || held.Generation != launch.Generation)
        {
            throw new InvalidOperationException($"task {launch.TaskId} generation {launch.Generation} holds no reservation on node {NodeId}");
        }

        if (daemon is null)
        {
            throw new InvalidOperationException($"node {NodeId} has no daemon attached");
        }

        // A task on one card: the card prepares, has the daemon start it and takes it into its arbitration, in one call.
        if (held.GpuIds.Length == 1)
        {
            await GrainFactory.Grain<IGpuGrain>(held.GpuIds[0]).StartTask(launch, daemon);
            return;
        }

        // The cards make room first (moving idle or lower work to host RAM), or say it must start on host.
        var onHost = await Task.WhenAll(held.GpuIds.Select(id => GrainFactory.Grain<IGpuGrain>(id).PrepareStart(launch.TaskId, launch.Generation)));

        // Unheard when this silo stops first: unknown, not failed, as on a card (GpuGrain.StartTask); the heartbeat settles it.
        if (!await shutdown.Answered(inProcess.Resolve(daemon).Start(launch with { StartOnHost = onHost.Any(h => h) })))
        {
            logger.LogWarning("Node {NodeId} did not hear whether its daemon started {TaskId} generation {Generation}: its silo is stopping", NodeId, launch.TaskId, launch.Generation);
            return;
        }

        // From now the cards' arbitration covers it (it may have to pause at once).
        await Task.WhenAll(held.GpuIds.Select(id => GrainFactory.Grain<IGpuGrain>(id).OnTaskStarted(launch.TaskId, launch.Generation)));
    }

    public async Task StopTask(string taskId, long generation)
    {
        if (daemon is not null)
        {
            // Unheard when this silo stops first: the task frees the capacity anyway, and the daemon's next heartbeat
            // has the orphan stopped (as when a stop times out).
            await shutdown.WhileRunning(inProcess.Resolve(daemon).Stop(taskId, generation));
        }
    }

    public async Task HoldTask(string taskId, long generation, string hold, bool paused)
    {
        if (daemon is null)
        {
            throw new InvalidOperationException($"node {NodeId} has no daemon attached");
        }

        // Unheard when this silo stops first: a failure, which the task tries again at its next window tick (holds are
        // idempotent).
        var target = inProcess.Resolve(daemon);
        _ = await shutdown.WhileRunning(paused ? target.Pause(taskId, generation, hold) : target.Resume(taskId, generation, hold));
    }

    /// <summary>
    /// A task the daemon runs under the generation held here has started, whatever its cards still say: a start whose
    /// answer was not heard (its silo stopped) left it marked starting, and a card moved with that mark would otherwise
    /// never take it into its arbitration.
    /// </summary>
    private async Task SeeStartsThrough(ImmutableArray<RunningTask> running)
    {
        foreach (var r in running)
        {
            if (!holdings.TryGetValue(r.TaskId, out var held) || held.Generation != r.Generation)
            {
                continue;
            }

            foreach (var id in held.GpuIds)
            {
                if (gpus.TryGetValue(id, out var card) && !card.Starting.IsDefault && card.Starting.Contains(r.TaskId)
                    && card.Slices.Any(sl => sl.TaskId == r.TaskId && sl.Generation == r.Generation))
                {
                    logger.LogInformation("Node {NodeId} tells {GpuId} that {TaskId} generation {Generation} started: its daemon runs it", NodeId, id, r.TaskId, r.Generation);
                    await GrainFactory.Grain<IGpuGrain>(id).OnTaskStarted(r.TaskId, r.Generation);
                    gpus[id] = (await GrainFactory.Grain<IGpuGrain>(id).GetSnapshot()) ?? card;
                }
            }
        }
    }

    /// <summary>
    /// A fresh activation (its silo died, or the grain was never here) learns what the daemon runs: each task
    /// whose grain still says it holds this node under that generation is held again, slices and all; the rest
    /// are orphans and will be stopped. A task whose grain or card did not answer stays owed (not stopped) and is
    /// asked again at the next heartbeat.
    /// </summary>
    private async Task Adopt(IEnumerable<RunningTask> running)
    {
        foreach (var r in running.ToList())
        {
            try
            {
                // PeekStatus interleaves: the task may be inside a call to this node (a release, a start), which
                // GetStatus would wait behind while this turn waits on it.
                var status = await GrainFactory.Grain<IVGpuTaskGrain>(r.TaskId).PeekStatus();
                if (status?.Placement is not { } placement || status.Generation != r.Generation || !status.State.HoldsCapacity() || placement.NodeId != NodeId)
                {
                    adoptOwed.Remove(r.TaskId);
                    continue;
                }

                // The slice as the scheduler reserved it: an online process's memory never moves to host (AllowSwap alone is not it).
                var request = Scheduling.PlacementRequest.From(status.Spec);
                var held = await Hold(new ReservationRequest(
                    r.TaskId, r.Generation, placement.GpuIds, request.IsExclusive ? 1000 : placement.ComputeMilli, request.IsExclusive ? 0 : placement.GpuMemoryMiB,
                    request.IsExclusive, request.CpuMilli, request.HostMemoryMiB, status.Spec.Priority, request.Swappable, status.Spec.Tenant, status.Borrowed,
                    status.Spec.Constraints.Spread, status.Spec.Gang is not null), adopting: true);
                if (held.Accepted)
                {
                    await Task.WhenAll(placement.GpuIds.Select(id => GrainFactory.Grain<IGpuGrain>(id).OnTaskStarted(r.TaskId, r.Generation)));
                    logger.LogInformation("Node {NodeId} adopted {TaskId} generation {Generation} from its daemon", NodeId, r.TaskId, r.Generation);
                }

                adoptOwed.Remove(r.TaskId);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Node {NodeId} could not adopt {TaskId} generation {Generation} yet: asking again at the next heartbeat", NodeId, r.TaskId, r.Generation);
            }
        }
    }

    /// <summary>
    /// Lets go of reservations that no task claims. A reservation not running on the daemon for longer than
    /// <see cref="PoolOptions.PlacingTimeout"/> is checked with its task: kept (and not asked again for as long) while the
    /// task holds it, released when the task does not (its placement, a one-way message, was lost with a silo); the
    /// scheduler hears of what was released, as of any release.
    /// </summary>
    private async Task LetGoOfUnclaimed(ImmutableArray<RunningTask> running)
    {
        var now = time.GetUtcNow();
        var released = false;
        foreach (var taskId in ReservationClaim.ToConfirm(holdings.Select(h => (h.Key, h.Value.Generation, h.Value.Since)), running, now, options.Value.PlacingTimeout))
        {
            var held = holdings[taskId];
            VGpuTaskStatus? status;
            try
            {
                status = await GrainFactory.Grain<IVGpuTaskGrain>(taskId).PeekStatus();
            }
            catch (Exception ex)
            {
                // Asked again at the next heartbeat.
                logger.LogWarning(ex, "Node {NodeId} could not ask {TaskId} about its reservation", NodeId, taskId);
                continue;
            }

            if (ReservationClaim.Claims(status, held.Generation, NodeId))
            {
                holdings[taskId] = held with { Since = now };
                continue;
            }

            logger.LogWarning("Node {NodeId} lets go of {TaskId} generation {Generation}: reserved at {Since} and not claimed by its task ({State})",
                NodeId, taskId, held.Generation, held.Since, status?.State.ToString() ?? "no task");
            await ReleaseHolding(taskId, held);
            released = true;
        }

        if (released)
        {
            await Scheduler.OnNodeChanged(Snapshot());
        }
    }

    /// <summary>Moves to a silo of the node's data centre when it activated elsewhere because none was up then.</summary>
    private Task CheckResidence()
    {
        if (residence.Misplaced(NodeId))
        {
            logger.LogInformation("Node {NodeId} lives on another data centre's silo {Silo}: moving to its own", NodeId, RuntimeIdentity);
            this.MigrateOnIdle();
        }

        return Task.CompletedTask;
    }

    /// <summary>Every <see cref="PoolOptions.UsageCheckpointInterval"/>, asks each task held here to report its run so far (one-way).</summary>
    private void CheckpointUsage()
    {
        var now = time.GetUtcNow();
        if (now - meteredAt < options.Value.UsageCheckpointInterval)
        {
            return;
        }

        meteredAt = now;

        foreach (var (taskId, held) in holdings)
        {
            GrainFactory.Grain<IVGpuTaskGrain>(taskId).MeterRun(held.Generation).Ignore();
        }
    }

    /// <summary>Declares the daemon lost when it has not been heard from within the lease, and fails over what it ran.</summary>
    private async Task CheckLease()
    {
        CheckpointUsage();
        try
        {
            // The windows are looked at on this check: a start or an end is acted on within a check's interval of it.
            await KeepMaintenance();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Node {NodeId} could not act on its maintenance windows; tried again at the next check", NodeId);
        }

        if (daemon is not null && time.GetUtcNow() - lastSeen > options.Value.DaemonLease)
        {
            logger.LogWarning("Node {NodeId} missed its lease (last seen {LastSeen}): its cards leave the pool and its tasks fail over", NodeId, lastSeen);
            daemon = null;
            detachOwed.UnionWith(gpus.Keys);
            foreach (var (taskId, held) in holdings)
            {
                nodeLostOwed[taskId] = new(held.Generation, $"node {NodeId} missed its lease");
            }

            version++;
        }

        if (detachOwed.Count > 0 || nodeLostOwed.Count > 0)
        {
            await FailOver();
        }
    }

    /// <summary>
    /// Detaches the cards of a lost daemon and fails over its tasks, each step on its own: one card or task that cannot be
    /// reached must not leave the others running on a dead node. What failed stays owed and is tried at the next check.
    /// </summary>
    private async Task FailOver()
    {
        if (daemon is not null)
        {
            // The daemon came back: its registration attached the cards again.
            detachOwed.Clear();
        }

        foreach (var id in detachOwed.ToList())
        {
            try
            {
                await GrainFactory.Grain<IGpuGrain>(id).Detach();
                detachOwed.Remove(id);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Node {NodeId} could not detach {GpuId} of its lost daemon: trying again", NodeId, id);
            }
        }

        await TellLost();

        version++;
        try
        {
            await Scheduler.OnNodeChanged(Snapshot());
        }
        catch (Exception ex)
        {
            // The scheduler re-reads its nodes while it has queued tasks.
            logger.LogWarning(ex, "Node {NodeId} could not tell its scheduler it lost its daemon", NodeId);
        }
    }

    /// <summary>Releases what each lost task held here and tells it (restart or fail by its policy); one that throws stays owed.</summary>
    private async Task TellLost()
    {
        foreach (var (taskId, loss) in nodeLostOwed.ToList())
        {
            try
            {
                if (holdings.TryGetValue(taskId, out var held) && held.Generation == loss.Generation)
                {
                    await ReleaseHolding(taskId, held);
                }

                await GrainFactory.Grain<IVGpuTaskGrain>(taskId).OnNodeLost(loss.Generation, loss.Reason);
                nodeLostOwed.Remove(taskId);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Node {NodeId} could not fail over {TaskId} generation {Generation}: trying again", NodeId, taskId, loss.Generation);
            }
        }
    }

    public Task<NodeSnapshot?> GetSnapshot() => Task.FromResult(registration is null ? null : Snapshot());

    /// <summary>No tenant's; this node.</summary>
    public Access.AccessTarget TargetOf(Orleans.Serialization.Invocation.IInvokable request) => new(null, this.GetPrimaryKeyString());

    private ISchedulerGrain Scheduler => GrainFactory.Grain<ISchedulerGrain>(GrainKeys.Scheduler(GrainKeys.DataCenterOf(NodeId)));

    private async Task ReleaseHolding(string taskId, NodeHolding held)
    {
        // The holding goes only once every card let go: if one throws, it is still held and released again at the next try
        // (a card's release is idempotent per generation); dropped first, the card's slice would leak.
        var released = await Task.WhenAll(held.GpuIds.Select(id => GrainFactory.Grain<IGpuGrain>(id).Release(taskId, held.Generation)));
        if (holdings.TryGetValue(taskId, out var now) && now.Generation == held.Generation)
        {
            holdings.Remove(taskId);
        }

        foreach (var g in released)
        {
            gpus[g.Device.GpuId] = g;
        }

        version++;
    }

    private GpuSlice SliceOn(string gpuId, ReservationRequest request) =>
        new(request.TaskId, request.Generation, request.ComputeMilli, MemoryOn(gpus[gpuId].Device, request), request.Exclusive, request.Priority,
            request.Swappable, request.Tenant, request.Borrowed, request.Gang, request.StayPut);

    private NodeSnapshot Snapshot()
    {
        var r = registration;
        return new NodeSnapshot(
            NodeId,
            r?.DataCenter ?? "",
            r?.CpuMilli ?? 0,
            holdings.Values.Sum(h => h.CpuMilli),
            r?.MemoryMiB ?? 0,
            holdings.Values.Sum(h => h.HostMemoryMiB),
            [.. gpus.Values.OrderBy(g => g.Device.Index)],
            r is not null && daemon is not null && cordon.State.Reason is null,
            version,
            r?.HostSwapMiB ?? 0,
            RuntimeIdentity,
            r?.Usage ?? default,
            r is { Usage.IsDefaultOrEmpty: false } ? lastSeen : null,
            r?.Backend ?? "",
            r?.SliceEnforcement ?? "",
            cordon.State.Reason,
            BorrowedHoldings(),
            SpreadCounts(),
            Labels,
            Taints,
            r?.Faults ?? default,
            cordon.State.Cards.IsEmpty ? null : cordon.State.Cards,
            cordon.State.Maintenance.IsDefaultOrEmpty ? default : cordon.State.Maintenance,
            r?.Address);
    }

    private ImmutableArray<SpreadCount> SpreadCounts()
    {
        Dictionary<(string Tenant, string Group), int>? counts = null;
        foreach (var h in holdings.Values)
        {
            if (h.Spread is { } spread)
            {
                counts ??= [];
                var key = (h.Tenant ?? "", spread.Group);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        return counts is null ? [] : [.. counts.OrderBy(c => c.Key.Tenant, StringComparer.Ordinal).ThenBy(c => c.Key.Group, StringComparer.Ordinal)
            .Select(c => new SpreadCount(c.Key.Tenant, c.Key.Group, c.Value))];
    }

    private static bool InGroup(NodeHolding holding, string? tenant, SpreadSpec spread) =>
        holding.Spread is { } s && string.Equals(s.Group, spread.Group, StringComparison.Ordinal) && string.Equals(holding.Tenant ?? "", tenant ?? "", StringComparison.Ordinal);

    private ImmutableArray<BorrowedHolding> BorrowedHoldings()
    {
        ImmutableArray<BorrowedHolding>.Builder? borrowed = null;
        foreach (var (taskId, h) in holdings)
        {
            if (h.Slices.Length > 0 && h.Slices[0].Borrowed)
            {
                (borrowed ??= ImmutableArray.CreateBuilder<BorrowedHolding>()).Add(new BorrowedHolding(taskId, h.Generation, h.CpuMilli, h.HostMemoryMiB));
            }
        }

        return borrowed?.ToImmutable() ?? [];
    }

    private static bool SameMachine(NodeRegistration a, NodeRegistration b) =>
        a.DataCenter == b.DataCenter && a.CpuMilli == b.CpuMilli && a.MemoryMiB == b.MemoryMiB && a.HostSwapMiB == b.HostSwapMiB
        && a.Backend == b.Backend && a.Gpus.AsSpan().SequenceEqual(b.Gpus.AsSpan()) && NodeLabels.Same(a.Labels, b.Labels)
        && NodeLabels.Same(a.Taints, b.Taints) && SameFaults(a.Faults, b.Faults);

    private static bool SameFaults(ImmutableArray<CardFault> a, ImmutableArray<CardFault> b) =>
        (a.IsDefaultOrEmpty && b.IsDefaultOrEmpty) || (!a.IsDefault && !b.IsDefault && a.AsSpan().SequenceEqual(b.AsSpan()));

    /// <summary>Why a card is faulted by the daemon's last report, or null.</summary>
    private string? FaultOf(string gpuId) => registration is null ? null : CardFault.ReasonFor(registration.Faults, gpuId);

    /// <summary>
    /// A broken card loses its runs: each task holding it is stopped on the daemon (its process may hang on the card), what
    /// it held here is let go, and it is told it lost its node's card, so it restarts or fails by its policy, as a lost
    /// node's tasks do; one not told yet stays owed and is told at the next lease check. The pool's feed hears of each card
    /// that broke or came back.
    /// </summary>
    private async Task FailOverFaultedCards(NodeRegistration? previous, NodeRegistration now, INodeDaemon daemon)
    {
        var faults = now.Faults.IsDefault ? [] : now.Faults;
        var before = previous?.Faults is { IsDefault: false } was ? was : [];
        foreach (var fault in faults.Where(f => !before.Any(b => b.GpuId == f.GpuId)))
        {
            logger.LogWarning("Node {NodeId} reports card {GpuId} faulted: {Reason}", NodeId, fault.GpuId, fault.Reason);
            Events.Publish(PoolEventKinds.CardFault, "", fault.GpuId, fault.Reason, 0).Ignore();
            await CountFault(fault.GpuId);
        }

        foreach (var back in before.Where(b => !faults.Any(f => f.GpuId == b.GpuId)))
        {
            logger.LogInformation("Node {NodeId} reports card {GpuId} healthy again", NodeId, back.GpuId);
            Events.Publish(PoolEventKinds.CardRecovered, "", back.GpuId, $"healthy again (was: {back.Reason})", 0).Ignore();
        }

        if (faults.IsEmpty)
        {
            return;
        }

        foreach (var (taskId, held) in holdings.ToList())
        {
            if (faults.FirstOrDefault(f => held.GpuIds.Contains(f.GpuId)) is not { } fault)
            {
                continue;
            }

            nodeLostOwed[taskId] = new(held.Generation, $"card {fault.GpuId} of node {NodeId} failed: {fault.Reason}");
            try
            {
                await shutdown.WhileRunning(inProcess.Resolve(daemon).Stop(taskId, held.Generation));
            }
            catch (Exception ex)
            {
                // Its generation is over all the same: the daemon's next report of it is an orphan's, and stopped then.
                logger.LogWarning(ex, "Node {NodeId} could not stop {TaskId} on faulted card {GpuId}", NodeId, taskId, fault.GpuId);
            }
        }

        // Released here and told one-way (a task that restarts may be placed on a working card of this node at once).
        await TellLost();
    }

    /// <summary>
    /// Counts a card's fault in storage, and cordons a card that keeps breaking, so it stays out once it comes back. A
    /// fault not written is not counted (a storage outage must not fail over the card's runs less).
    /// </summary>
    private async Task CountFault(string gpuId)
    {
        var (kept, flapping) = CardFaultCount.Count(cordon.State.CardFaults.GetValueOrDefault(gpuId), time.GetUtcNow(), options.Value.CardFaultLimit, options.Value.CardFaultWindow);
        var cordons = flapping && !cordon.State.Cards.ContainsKey(gpuId);
        var why = $"faulted {options.Value.CardFaultLimit} times within {Durations.Format(options.Value.CardFaultWindow)}: cordoned until an operator uncordons it";
        try
        {
            await WriteOperatorState(state =>
            {
                state.CardFaults = state.CardFaults.SetItem(gpuId, kept);
                state.Cards = cordons ? state.Cards.SetItem(gpuId, why) : state.Cards;
            });
            if (cordons)
            {
                logger.LogWarning("Node {NodeId} cordons card {GpuId}: {Reason}", NodeId, gpuId, why);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Node {NodeId} could not count the fault of card {GpuId}", NodeId, gpuId);
        }
    }

    private Task WriteCardCordons(ImmutableDictionary<string, string> next) => WriteOperatorState(state => state.Cards = next);

    private IPoolEventsGrain Events => GrainFactory.Grain<IPoolEventsGrain>(GrainKeys.Pool);

    /// <summary>Memory a reservation takes on a card: whole cards and "0" take the device's memory.</summary>
    private static long MemoryOn(GpuDevice device, ReservationRequest request) =>
        request.Exclusive || request.GpuMemoryMiB == 0 ? device.MemoryMiB : request.GpuMemoryMiB;
}
