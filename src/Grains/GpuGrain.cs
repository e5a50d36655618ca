using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.Grains.Arbitration;
using Orion.Grains.Scheduling;
using Orion.Grains.Telemetry;

namespace Orion.Grains;

/// <summary>
/// Owns one card: its slices (only its NodeGrain reserves and releases, so the node's copy stays exact), who
/// runs on it when online demand and other work collide (<see cref="CardArbiter"/>), and whose memory is on
/// the device or in host RAM (<see cref="MemoryArbiter"/>). This grain keeps the inputs, tells the daemon the
/// difference (pauses, then moves out, moves in, resumes) and tells the tasks concerned.
/// </summary>
[KeepAlive]
[Placement.DataCenterPlacement]
public sealed class GpuGrain(
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    InProcessDaemons inProcess,
    SiloShutdown shutdown,
    Microsoft.Extensions.Options.IOptions<PoolOptions> options,
    Placement.DataCenterResidence residence,
    ILogger<GpuGrain> logger) : Grain, IGpuGrain, IGrainMigrationParticipant, Access.IAccessTarget
{
    private readonly Dictionary<string, GpuSlice> slices = new(StringComparer.Ordinal);
    private readonly HashSet<string> busy = new(StringComparer.Ordinal);
    private readonly HashSet<string> starting = new(StringComparer.Ordinal);
    private readonly HashSet<string> started = new(StringComparer.Ordinal);
    private readonly HashSet<string> paused = new(StringComparer.Ordinal);

    // Slices reserved under the daemon attached now: only those may a task start by itself (TryStartTask). A node that
    // re-registers a restarted daemon releases the slices of tasks the old one ran, after attaching the new one.
    private readonly HashSet<string> reservedUnderDaemon = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> onHost = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> pausedSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> pausedFor = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> demandSequence = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> lastActive = new(StringComparer.Ordinal);

    // Each online task's time busy on this card (soft state, for deployments that scale by demand): the stretches ended,
    // and when the one under way began.
    private readonly Dictionary<string, TimeSpan> busyFor = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> busySince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TaskCompletionSource<bool>>> residencyWaiters = new(StringComparer.Ordinal);
    private readonly List<(string Kind, string TaskId)> notices = [];
    private IGrainTimer? noticeTimer;
    private ITimer? memoryPassTimer;
    private ITimer? retryTimer;
    private static readonly IReadOnlySet<string> NoneFailed = new HashSet<string>();

    // Passes in a row whose daemon commands failed: the retries back off.
    private int failedPasses;
    private readonly Dictionary<string, long> movingTo = new(StringComparer.Ordinal);
    private bool movingMemory;
    private bool memoryDirty;
    private GpuDevice? device;
    private INodeDaemon? daemon;
    private int capacity;
    private long memoryCapacity;
    private long version;

    private static readonly TimeSpan NoticeDelay = TimeSpan.FromMilliseconds(100);


    private string GpuId => this.GetPrimaryKeyString();

    private IPoolEventsGrain Events => GrainFactory.Grain<IPoolEventsGrain>(GrainKeys.Pool);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.ResidenceCheckInterval;
        this.RegisterGrainTimer(CheckResidence, new GrainTimerCreationOptions(every, every));
        return Task.CompletedTask;
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        // Moving to a silo of its data centre: the card's slices, arbitration inputs and page placement go along.
        if (device is null)
        {
            return;
        }

        dehydrationContext.TryAddValue("device", device);
        dehydrationContext.TryAddValue("daemon", daemon);
        dehydrationContext.TryAddValue("capacity", capacity);
        dehydrationContext.TryAddValue("memoryCapacity", memoryCapacity);
        dehydrationContext.TryAddValue("version", version);
        dehydrationContext.TryAddValue("slices", slices.Values.ToArray());
        dehydrationContext.TryAddValue("busy", busy.ToArray());
        dehydrationContext.TryAddValue("starting", starting.ToArray());
        dehydrationContext.TryAddValue("started", started.ToArray());
        dehydrationContext.TryAddValue("paused", paused.ToArray());
        dehydrationContext.TryAddValue("onHostMiB", onHost);
        dehydrationContext.TryAddValue("pausedSince", pausedSince);
        dehydrationContext.TryAddValue("pausedFor", pausedFor);
        dehydrationContext.TryAddValue("demandSequence", demandSequence);
        dehydrationContext.TryAddValue("lastActive", lastActive);
        dehydrationContext.TryAddValue("busyFor", busyFor);
        dehydrationContext.TryAddValue("busySince", busySince);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (!rehydrationContext.TryGetValue<GpuDevice>("device", out var d) || d is null)
        {
            return;
        }

        device = d;
        rehydrationContext.TryGetValue("daemon", out daemon);
        rehydrationContext.TryGetValue("capacity", out capacity);
        rehydrationContext.TryGetValue("memoryCapacity", out memoryCapacity);
        rehydrationContext.TryGetValue("version", out version);
        if (rehydrationContext.TryGetValue<GpuSlice[]>("slices", out var held) && held is not null)
        {
            foreach (var slice in held)
            {
                slices[slice.TaskId] = slice;
            }
        }

        foreach (var (name, set) in new[] { ("busy", busy), ("starting", starting), ("started", started), ("paused", paused) })
        {
            if (rehydrationContext.TryGetValue<string[]>(name, out var ids) && ids is not null)
            {
                set.UnionWith(ids);
            }
        }

        if (rehydrationContext.TryGetValue<Dictionary<string, long>>("demandSequence", out var sequences) && sequences is not null)
        {
            foreach (var (taskId, sequence) in sequences)
            {
                demandSequence[taskId] = sequence;
            }
        }

        Restore(rehydrationContext, "lastActive", lastActive);
        Restore(rehydrationContext, "busyFor", busyFor);
        Restore(rehydrationContext, "busySince", busySince);
        Restore(rehydrationContext, "onHostMiB", onHost);
        Restore(rehydrationContext, "pausedSince", pausedSince);
        Restore(rehydrationContext, "pausedFor", pausedFor);
    }

    /// <summary>Moves to a silo of the card's data centre when it activated elsewhere because none was up then.</summary>
    private Task CheckResidence()
    {
        if (residence.Misplaced(GpuId))
        {
            logger.LogInformation("Card {GpuId} lives on another data centre's silo {Silo}: moving to its own", GpuId, RuntimeIdentity);
            this.MigrateOnIdle();
        }

        return Task.CompletedTask;
    }

    public Task<GpuSnapshot> Attach(GpuDevice device, int computeCapacityMilli, long memoryCapacityMiB, INodeDaemon daemon)
    {
        // The daemon re-attaches on every heartbeat; only a real change is a new version.
        if (device != this.device || computeCapacityMilli != capacity || memoryCapacityMiB != memoryCapacity || !Equals(daemon, this.daemon))
        {
            if (!Equals(daemon, this.daemon))
            {
                reservedUnderDaemon.Clear();
            }

            this.device = device;
            this.daemon = daemon;
            capacity = computeCapacityMilli;
            memoryCapacity = memoryCapacityMiB;
            version++;
        }

        return Task.FromResult(Snapshot());
    }

    public Task<GpuReservationResult> Reserve(GpuSlice slice)
    {
        if (device is null)
        {
            return Task.FromResult(new GpuReservationResult(false, $"card {GpuId} is not attached", Empty()));
        }

        if (slices.TryGetValue(slice.TaskId, out var existing))
        {
            if (existing.Generation == slice.Generation)
            {
                return Task.FromResult(new GpuReservationResult(true, null, Snapshot()));
            }

            if (existing.Generation > slice.Generation)
            {
                return Task.FromResult(new GpuReservationResult(false, $"generation {slice.Generation} is older than the held {existing.Generation}", Snapshot()));
            }

            Forget(slice.TaskId);
        }

        var others = slices.Values.Where(s => s.TaskId != slice.TaskId);
        var refusal = CardAdmission.Refusal(device, capacity, memoryCapacity, others, slice);
        if (refusal is not null)
        {
            logger.LogDebug("Card {GpuId} refused {TaskId}: {Reason}", GpuId, slice.TaskId, refusal);
            return Task.FromResult(new GpuReservationResult(false, refusal, Snapshot()));
        }

        slices[slice.TaskId] = slice;
        reservedUnderDaemon.Add(slice.TaskId);
        version++;
        return Task.FromResult(new GpuReservationResult(true, null, Snapshot()));
    }

    public async Task<GpuSnapshot> Release(string taskId, long generation)
    {
        if (slices.TryGetValue(taskId, out var s) && s.Generation <= generation)
        {
            Forget(taskId);
            version++;

            // A leaving task gives compute and memory back to whoever it displaced; moving memory back takes
            // time, so it happens after the release returns rather than holding up the node.
            await this.AsReference<IGpuGrain>().Rebalance();
        }

        return device is null ? Empty() : Snapshot();
    }

    public async Task<GpuSnapshot> SetPriority(string taskId, long generation, TaskPriority priority)
    {
        if (slices.TryGetValue(taskId, out var s) && s.Generation == generation && s.Priority != priority)
        {
            slices[taskId] = s with { Priority = priority };
            version++;

            // Who pauses for busy online work, and whose memory comes back first, may now differ.
            await this.AsReference<IGpuGrain>().Rebalance();
        }

        return device is null ? Empty() : Snapshot();
    }

    public Task Rebalance()
    {
        memoryPassTimer?.Dispose();
        memoryPassTimer = null;
        retryTimer?.Dispose();
        retryTimer = null;
        return Reconcile();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        memoryPassTimer?.Dispose();
        retryTimer?.Dispose();
        foreach (var taskId in residencyWaiters.Keys.ToList())
        {
            SettleWaiters(taskId, false);
        }

        return Task.CompletedTask;
    }

    public Task Detach()
    {
        daemon = null;
        reservedUnderDaemon.Clear();
        version++;
        return Task.CompletedTask;
    }

    public async Task<DemandAck> SetDemand(string taskId, long generation, bool isBusy, long sequence)
    {
        if (!slices.TryGetValue(taskId, out var s) || s.Generation != generation || sequence <= demandSequence.GetValueOrDefault(taskId))
        {
            return new DemandAck(busy.Contains(taskId), [], false);
        }

        demandSequence[taskId] = sequence;
        var now = time.GetUtcNow();
        lastActive[taskId] = now;
        if (isBusy ? busy.Add(taskId) : busy.Remove(taskId))
        {
            version++;
            if (isBusy)
            {
                busySince[taskId] = now;
            }
            else if (busySince.Remove(taskId, out var since))
            {
                busyFor[taskId] = busyFor.GetValueOrDefault(taskId) + (now > since ? now - since : TimeSpan.Zero);
            }
        }

        var flipped = await Reconcile(moveMemory: false);
        var pending = isBusy && slices.TryGetValue(taskId, out var held) && ResidentOf(held) < held.MemoryMiB;
        return new DemandAck(isBusy, flipped, true, pending);
    }

    public Task<TimeSpan?> GetBusyTime(string taskId, long generation)
    {
        if (!slices.TryGetValue(taskId, out var s) || s.Generation != generation)
        {
            return Task.FromResult<TimeSpan?>(null);
        }

        var now = time.GetUtcNow();
        var open = busySince.TryGetValue(taskId, out var since) && now > since ? now - since : TimeSpan.Zero;
        return Task.FromResult<TimeSpan?>(busyFor.GetValueOrDefault(taskId) + open);
    }

    public Task<bool> WhenResident(string taskId, long generation)
    {
        if (!slices.TryGetValue(taskId, out var s) || s.Generation != generation || !busy.Contains(taskId))
        {
            return Task.FromResult(false);
        }

        if (ResidentOf(s) >= s.MemoryMiB)
        {
            return Task.FromResult(true);
        }

        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!residencyWaiters.TryGetValue(taskId, out var list))
        {
            residencyWaiters[taskId] = list = [];
        }

        list.Add(waiter);
        return waiter.Task;
    }

    public async Task<bool> PrepareStart(string taskId, long generation)
    {
        if (!slices.TryGetValue(taskId, out var s) || s.Generation != generation)
        {
            return false;
        }

        // A repeated start of a task already started (a retried start) is not "starting" again: no OnTaskStarted would clear it.
        if (!started.Contains(taskId))
        {
            starting.Add(taskId);
        }

        await Reconcile();
        return onHost.ContainsKey(taskId);
    }

    public async Task StartTask(TaskLaunch launch, INodeDaemon daemon)
    {
        var onHost = await PrepareStart(launch.TaskId, launch.Generation);

        // Its silo stopping, the card does not wait on a daemon that may never answer. Whether the task started is then
        // unknown, not failed (a failure would have the task give its capacity back and count a failed run): it stays
        // Placing and marked starting here; the daemon's start report, or the node's next heartbeat, settles it, and
        // a start that never happened is placed again after the placing timeout.
        if (!await shutdown.Answered(inProcess.Resolve(daemon).Start(launch with { StartOnHost = onHost })))
        {
            logger.LogWarning("Card {GpuId} did not hear whether its daemon started {TaskId} generation {Generation}: its silo is stopping", GpuId, launch.TaskId, launch.Generation);
            return;
        }

        await OnTaskStarted(launch.TaskId, launch.Generation);
    }

    public async Task<bool> TryStartTask(TaskLaunch launch)
    {
        // The card's slice stands for the node's holding (only the node reserves and releases it); without it, without a
        // daemon, or reserved before this daemon attached (it is not carried when the card moves), the node decides as before.
        if (daemon is null || launch.GpuIds is not [var only] || only != GpuId || !reservedUnderDaemon.Contains(launch.TaskId)
            || !slices.TryGetValue(launch.TaskId, out var s) || s.Generation != launch.Generation)
        {
            return false;
        }

        await StartTask(launch, daemon);
        return true;
    }

    public async Task OnTaskStarted(string taskId, long generation)
    {
        if (slices.TryGetValue(taskId, out var s) && s.Generation == generation)
        {
            var first = started.Add(taskId);
            if (starting.Remove(taskId) || first)
            {
                await Reconcile();
            }
        }
    }

    public Task<GpuSnapshot?> GetSnapshot() => Task.FromResult(device is null ? null : Snapshot());

    /// <summary>A call about one task's slice (its first argument) is that task's tenant's; every call is on the card's node.</summary>
    public Access.AccessTarget TargetOf(Orleans.Serialization.Invocation.IInvokable request) =>
        new(request.GetArgumentCount() > 0 && request.GetArgument(0) is string taskId ? slices.GetValueOrDefault(taskId)?.Tenant : null, GrainKeys.NodeOfGpu(this.GetPrimaryKeyString()));

    private void Forget(string taskId)
    {
        slices.Remove(taskId);
        reservedUnderDaemon.Remove(taskId);
        busy.Remove(taskId);
        busyFor.Remove(taskId);
        busySince.Remove(taskId);
        demandSequence.Remove(taskId);
        starting.Remove(taskId);
        started.Remove(taskId);
        paused.Remove(taskId);
        onHost.Remove(taskId);
        pausedSince.Remove(taskId);
        pausedFor.Remove(taskId);
        lastActive.Remove(taskId);
        SettleWaiters(taskId, false);
    }

    /// <summary>Answers whoever waits for a task's memory to be on the device.</summary>
    private void SettleWaiters(string taskId, bool resident)
    {
        if (residencyWaiters.Remove(taskId, out var waiting))
        {
            foreach (var w in waiting)
            {
                w.TrySetResult(resident);
            }
        }
    }

    /// <summary>
    /// After a memory pass: a waiter hears yes once its task is all on the device, no once it will not be (idle, or no
    /// room in <paramref name="plan"/>; without a plan, another pass follows and decides).
    /// </summary>
    private void SettleWaiters(IReadOnlyDictionary<string, long>? plan)
    {
        foreach (var taskId in residencyWaiters.Keys.ToList())
        {
            if (!slices.TryGetValue(taskId, out var s) || !busy.Contains(taskId))
            {
                SettleWaiters(taskId, false);
            }
            else if (ResidentOf(s) >= s.MemoryMiB)
            {
                SettleWaiters(taskId, true);
            }
            else if (plan is not null && plan.GetValueOrDefault(taskId) < s.MemoryMiB)
            {
                SettleWaiters(taskId, false);
            }
        }
    }

    /// <summary>Moves memory a moment from now, once for all the demand that arrives meanwhile.</summary>
    private void ScheduleMemoryPass()
    {
        if (memoryPassTimer is not null)
        {
            return;
        }

        var self = this.AsReference<IGpuGrain>();
        memoryPassTimer = time.CreateTimer(_ => _ = self.Rebalance(), null, options.Value.MemoryPassDelay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Looks again a while after a daemon command failed (an observer that timed out, a daemon restarting): the marks of
    /// the commands that failed were undone, so that pass re-derives them and sends them again.
    /// </summary>
    private void ScheduleRetry(TimeSpan after)
    {
        if (retryTimer is not null)
        {
            return;
        }

        var self = this.AsReference<IGpuGrain>();
        retryTimer = time.CreateTimer(_ => _ = self.Rebalance(), null, after, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sends one command per task and returns the tasks whose command failed (logged), so their marks can be undone.</summary>
    private async Task<IReadOnlySet<string>> Failed(string command, IReadOnlyCollection<string> taskIds, Func<string, Task> send)
    {
        // Most passes (every task's start) send nothing: no tasks, no allocations.
        if (taskIds.Count == 0)
        {
            return NoneFailed;
        }

        var sent = taskIds.Select(async t =>
        {
            try
            {
                await send(t);
                return null;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Card {GpuId}: {Command} of {TaskId} failed; the card looks again in {Delay}", GpuId, command, t, CommandRetry.After(failedPasses + 1));
                return t;
            }
        }).ToList();
        var failed = await Task.WhenAll(sent);
        return failed.OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Runs both arbitrations and carries out the difference: pause, move memory out, move memory in, resume.
    /// Only the difference in memory moves: a task may keep part of its memory on the device. Without
    /// <paramref name="moveMemory"/> (a demand change) only pauses, and resumes of work whose memory stays on the
    /// device, happen now; running tasks' moves, and resuming work that waits for them, are left to a memory pass a
    /// moment later. Returns the tasks paused or resumed.
    /// </summary>
    private async Task<ImmutableArray<string>> Reconcile(bool moveMemory = true)
    {
        var now = time.GetUtcNow();
        var wantPaused = WantPaused();
        var memory = slices.Values.Select(s =>
        {
            var online = PriorityOf(s).Class == PriorityClass.Online;
            var wants = online ? busy.Contains(s.TaskId) || starting.Contains(s.TaskId) : !wantPaused.Contains(s.TaskId);
            if (wants)
            {
                lastActive[s.TaskId] = now;
            }

            return new MemoryTask(s.TaskId, PriorityOf(s), s.MemoryMiB, s.Swappable, wants, online && busy.Contains(s.TaskId), lastActive.GetValueOrDefault(s.TaskId),
                started.Contains(s.TaskId) ? ResidentOf(s) : 0);
        }).ToList();
        var plan = MemoryArbiter.Plan(device?.MemoryMiB ?? 0, memory);

        // A task not started yet starts all on the device or all on host RAM; a share of it moves in once it runs.
        long Target(GpuSlice s) => started.Contains(s.TaskId) || plan[s.TaskId] >= s.MemoryMiB ? plan[s.TaskId] : 0;
        var toPause = wantPaused.Where(t => !paused.Contains(t)).ToList();
        var toResume = paused.Where(t => !wantPaused.Contains(t)).ToList();
        var toHost = slices.Values.Where(s => Target(s) < ResidentOf(s)).Select(s => (s.TaskId, Target(s))).ToList();
        var toDevice = slices.Values.Where(s => Target(s) > ResidentOf(s)).Select(s => (s.TaskId, Target(s))).ToList();
        if (!moveMemory)
        {
            var later = toHost.Concat(toDevice).Select(m => m.TaskId).Where(started.Contains).ToHashSet(StringComparer.Ordinal);
            if (later.Count > 0)
            {
                // A pass already moving memory looks again when its moves land.
                if (movingMemory)
                {
                    memoryDirty = true;
                }
                else
                {
                    ScheduleMemoryPass();
                }

                toHost.RemoveAll(m => later.Contains(m.TaskId));
                toDevice.RemoveAll(m => later.Contains(m.TaskId));
            }

            toResume.RemoveAll(t => later.Contains(t) || ResidentOf(slices[t]) < slices[t].MemoryMiB);
        }

        if (toPause.Count + toResume.Count + toHost.Count + toDevice.Count == 0)
        {
            if (moveMemory)
            {
                SettleWaiters(plan);
            }

            return [];
        }

        if (daemon is null)
        {
            // No daemon to enforce anything: a lost node's tasks are being failed over; a new daemon reconciles. Nobody
            // waits on memory that cannot move now.
            foreach (var taskId in residencyWaiters.Keys.ToList())
            {
                SettleWaiters(taskId, false);
            }

            return [];
        }

        // Pauses first: the online caller waits for these acks before its request proceeds. Marked before the acks,
        // so demand decided meanwhile (it interleaves) sees them.
        paused.UnionWith(toPause);
        foreach (var t in toPause)
        {
            pausedSince[t] = now;
        }

        if (!moveMemory)
        {
            paused.ExceptWith(toResume);
        }

        // A command the daemon did not ack (its observer timed out, it was restarting) has its mark undone and the card
        // looks again a while later: the next pass re-derives what is owed and sends it again. Left marked, a pause that
        // failed would leave offline work running beside a busy service, and a failed resume a task frozen for good, as
        // every later pass would take the mark for the daemon's state. An ack still awaited when this silo stops counts as
        // not given: a daemon that is gone never answers, and the silo's stop waits for this pass.
        var retry = false;
        var target = inProcess.Resolve(daemon);
        try
        {
            var began = System.Diagnostics.Stopwatch.GetTimestamp();
            IReadOnlySet<string> pauseFailed;
            using (var span = toPause.Count == 0 ? null : OrionTelemetry.Source.StartActivity("orion.preemption"))
            {
                span?.SetTag(OrionTelemetry.Attributes.Gpu, GpuId).SetTag(OrionTelemetry.Attributes.TaskId, string.Join(",", toPause));
                pauseFailed = await Failed("pause", toPause, t => shutdown.WhileRunning(target.Pause(t, slices[t].Generation, GpuId)));
            }

            if (pauseFailed.Count > 0)
            {
                retry = true;
                toPause.RemoveAll(pauseFailed.Contains);
                paused.ExceptWith(pauseFailed);
                foreach (var t in pauseFailed)
                {
                    pausedSince.Remove(t);
                }
            }

            if (toPause.Count > 0)
            {
                OrionTelemetry.Preempted(GpuId, toPause.Count, System.Diagnostics.Stopwatch.GetElapsedTime(began));
            }

            var at = time.GetUtcNow();
            foreach (var t in toPause)
            {
                await GrainFactory.Grain<IVGpuTaskGrain>(t).OnSuspended(slices[t].Generation, true, at);
                Notice(PoolEventKinds.Preemption, t);
            }

            if (moveMemory)
            {
                // Demand goes on being decided while memory moves (SetDemand interleaves: pauses at once, moves wait for
                // this pass); what resumes afterwards is what the card's arbitration says then.
                movingMemory = true;
                try
                {
                    retry |= !await Move(target, toHost, outward: true);
                    retry |= !await Move(target, toDevice, outward: false);
                }
                finally
                {
                    movingMemory = false;
                }

                var stillPaused = WantPaused();
                toResume = [.. paused.Where(t => !stillPaused.Contains(t))];
            }
            else
            {
                retry |= !await Move(target, toHost, outward: true);
                retry |= !await Move(target, toDevice, outward: false);
            }

            // Marked before the acks, so demand decided meanwhile does not resume them again.
            paused.ExceptWith(toResume);
            var resumeFailed = await Failed("resume", toResume, t => shutdown.WhileRunning(target.Resume(t, slices[t].Generation, GpuId)));
            if (resumeFailed.Count > 0)
            {
                // The daemon still holds the pause (as far as the card can tell): the task stays paused here until a
                // resume is acked, so the next pass sends it again.
                retry = true;
                toResume.RemoveAll(resumeFailed.Contains);
                paused.UnionWith(resumeFailed.Where(slices.ContainsKey));
            }

            // Time yielded decides who yields next among equals (CardArbiter); a pause counts once it has ended.
            at = time.GetUtcNow();
            foreach (var t in toResume)
            {
                if (pausedSince.Remove(t, out var since))
                {
                    pausedFor[t] = pausedFor.GetValueOrDefault(t) + (at - since);
                }

                await GrainFactory.Grain<IVGpuTaskGrain>(t).OnSuspended(slices[t].Generation, false, at);
                Notice(PoolEventKinds.Resume, t);
            }

            logger.LogInformation(
                "Card {GpuId}: paused {Paused}, resumed {Resumed}, memory to host {ToHost}, to device {ToDevice}",
                GpuId, toPause, toResume, toHost, toDevice);
            return [.. toPause, .. toResume];
        }
        catch
        {
            retry = true;
            throw;
        }
        finally
        {
            version++;
            if (moveMemory)
            {
                // Demand that arrived while memory moved is planned by the next pass, not by this one's plan; nor is a
                // waiter answered no by a pass whose commands failed (the retry decides).
                SettleWaiters(memoryDirty || retry ? null : plan);
                if (memoryDirty)
                {
                    memoryDirty = false;
                    ScheduleMemoryPass();
                }
            }

            failedPasses = retry ? failedPasses + 1 : 0;
            if (retry)
            {
                ScheduleRetry(CommandRetry.After(failedPasses));
            }
        }
    }

    /// <summary>
    /// Moves memory of started tasks until <c>ResidentMiB</c> of each is on the device (a task not started yet just
    /// starts where it should be).
    /// </summary>
    private async Task<bool> Move(INodeDaemon target, List<(string TaskId, long ResidentMiB)> tasks, bool outward)
    {
        var moves = tasks.Select(async m =>
        {
            var (t, resident) = m;
            var slice = slices[t];
            var host = Math.Max(0, slice.MemoryMiB - resident);
            SwapResult result;
            if (!started.Contains(t))
            {
                result = new SwapResult(t, slice.Generation, true, 0, TimeSpan.Zero, resident, host);
            }
            else
            {
                movingTo[t] = resident;
                try
                {
                    result = await shutdown.WhileRunning(outward ? target.SwapOut(t, slice.Generation, resident) : target.SwapIn(t, slice.Generation, resident));
                }
                catch (Exception e)
                {
                    // Where its memory is now the card cannot tell; it keeps what it had arranged, and the retry moves again
                    // (a target, so a move that did land moves nothing more).
                    logger.LogWarning(e, "Card {GpuId}: moving {TaskId}'s memory {Direction} failed; the card looks again in {Delay}", GpuId, t, outward ? "to host" : "to the device", CommandRetry.After(failedPasses + 1));
                    return false;
                }
                finally
                {
                    movingTo.Remove(t);
                }
            }

            // A backend that moves whole processes (NVIDIA's checkpoint) takes all of a task out for a partial target:
            // the card counts what did move, or the room it freed would stay booked.
            if (outward && result.Applied && result.ResidentMiB == 0 && resident > 0)
            {
                host = slice.MemoryMiB;
            }

            if (host > 0)
            {
                onHost[t] = host;
            }
            else
            {
                onHost.Remove(t);
            }

            await GrainFactory.Grain<IVGpuTaskGrain>(t).OnMemoryMoved(slice.Generation, result);
            if (result.BytesMoved > 0)
            {
                OrionTelemetry.Swapped(GpuId, outward, result.BytesMoved);
                await Events.Publish(outward ? PoolEventKinds.SwapOut : PoolEventKinds.SwapIn, t, GpuId, $"{result.BytesMoved / (1024 * 1024)} MiB in {result.Duration.TotalMilliseconds:0} ms", result.BytesMoved);
            }

            return true;
        });
        return (await Task.WhenAll(moves)).All(ok => ok);
    }

    /// <summary>
    /// Queues a pause or resume for the event feed. The feed hears of them a moment later, in one batch per
    /// task and kind, so the message is not on the preemption path and a service flipping its card many times a
    /// second does not flood the feed.
    /// </summary>
    private void Notice(string kind, string taskId)
    {
        notices.Add((kind, taskId));
        noticeTimer ??= this.RegisterGrainTimer(PublishNotices, new GrainTimerCreationOptions(NoticeDelay, Timeout.InfiniteTimeSpan));
    }

    private async Task PublishNotices()
    {
        noticeTimer?.Dispose();
        noticeTimer = null;
        var batch = notices.CountBy(n => n).ToList();
        notices.Clear();
        foreach (var ((kind, taskId), count) in batch)
        {
            var what = kind == PoolEventKinds.Preemption ? "paused for higher-priority work" : "resumed";
            await Events.Publish(kind, taskId, GpuId, count == 1 ? what : $"{what} ({count} times)", 0);
        }
    }

    private static TaskPriority PriorityOf(GpuSlice s) => s.Priority ?? new TaskPriority(PriorityClass.Offline);

    private static void Restore<T>(IRehydrationContext context, string key, Dictionary<string, T> into)
    {
        if (context.TryGetValue<Dictionary<string, T>>(key, out var saved) && saved is not null)
        {
            foreach (var (taskId, value) in saved)
            {
                into[taskId] = value;
            }
        }
    }

    /// <summary>The tasks the card's compute arbitration pauses now.</summary>
    private IReadOnlySet<string> WantPaused() => CardArbiter.Paused(slices.Values.Select(s => new ArbitrationTask(
        s.TaskId, PriorityOf(s), s.ComputeMilli, busy.Contains(s.TaskId), started.Contains(s.TaskId), pausedFor.GetValueOrDefault(s.TaskId), ResidentOf(s) >= s.MemoryMiB)));

    /// <summary>
    /// How much of a task's memory is on the device now, as this card has arranged it; memory on its way counts where it
    /// was (coming in) or where it goes (going out), whichever is less.
    /// </summary>
    private long ResidentOf(GpuSlice s)
    {
        var arranged = s.MemoryMiB - onHost.GetValueOrDefault(s.TaskId);
        return movingTo.TryGetValue(s.TaskId, out var target) ? Math.Min(arranged, target) : arranged;
    }

    private GpuSnapshot Snapshot() => new(
        device!, capacity, [.. slices.Values.OrderBy(s => s.TaskId, StringComparer.Ordinal)], version,
        [.. busy.Order(StringComparer.Ordinal)], [.. paused.Order(StringComparer.Ordinal)], [.. onHost.Keys.Order(StringComparer.Ordinal)], memoryCapacity,
        onHost.Where(h => h.Value < slices[h.Key].MemoryMiB).ToImmutableDictionary(StringComparer.Ordinal),
        [.. starting.Order(StringComparer.Ordinal)]);

    private GpuSnapshot Empty() =>
        new(new GpuDevice(GpuId, -1, "unknown", 0, 0, 0, ""), 0, ImmutableArray<GpuSlice>.Empty, version, [], [], [], 0);
}
