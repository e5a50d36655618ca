using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.Grains.Scheduling;
using Orion.Grains.Telemetry;
using Orion.Grains.Tenancy;
using Orleans.Runtime;

namespace Orion.Grains;

/// <summary>
/// Owns one task's spec, state, placement, generation and schedule. Every change bumps the version, is
/// persisted, wakes watchers and is pushed to the catalogue. A scheduled task sleeps on a durable reminder
/// plus a timer on the Orion clock for the exact moment its window opens or closes.
/// </summary>
public sealed class VGpuTaskGrain(
    [PersistentState("task", PoolOptions.StorageName)] IPersistentState<VGpuTaskRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    Microsoft.Extensions.Options.IOptions<PoolOptions> options,
    DataCenterSummaries dataCenterSummaries,
    Notifications.TaskNotifier notifier,
    Microsoft.Extensions.Options.IOptions<Notifications.NotifyOptions> notify,
    TenantIdleTimeouts idleTimeouts,
    ILogger<VGpuTaskGrain> logger) : Grain, IVGpuTaskGrain, IRemindable, Access.IAccessTarget
{
    private const string WindowHold = "window";
    private const string OperatorHold = "operator";
    private const string WindowReminder = "window";
    private const string QueueReminder = "queue";
    private const string RunReminder = "runtime";
    private const string ForgetReminder = "forget";
    private const string NotifyReminder = "notify";

    // The notification being sent from this activation, and of which state, so a reminder does not send it twice at once.
    private Task? sending;
    private TaskState? sendingState;

    /// <summary>The longest one <see cref="WaitForChange"/> waits; a longer timeout is cut to it.</summary>
    internal static readonly TimeSpan MaxChangeWait = TimeSpan.FromMinutes(10);

    private TaskCompletionSource changed = NewSignal();

    // The generation this activation wrote Placing for from its queuing's answer: its OnPlaced starts it.
    private long startOwed;
    private ITimer? windowTimer;
    private ITimer? runTimer;
    private ITimer? retryTimer;
    private ITimer? placingTimer;
    private IGrainTimer? flushTimer;

    private string TaskId => this.GetPrimaryKeyString();

    private VGpuTaskStatus? Status => record.State.Status;

    private ISchedulerGrain SchedulerOf(string dataCenter) => GrainFactory.Grain<ISchedulerGrain>(GrainKeys.Scheduler(dataCenter));

    private ITenantGrain TenantOf(TaskSpec spec) => GrainFactory.Grain<ITenantGrain>(spec.Tenant);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Timers do not survive deactivation; the reminder brings the grain back, and this re-arms the timer.
        if (Status is { Spec.Schedule: not null } s && !s.State.IsTerminal())
        {
            await OnScheduleTick();
        }
        else if (Status is { Spec.MaxRuntime: not null } r && r.State.HoldsCapacity())
        {
            await ArmRunLimit();
        }

        if (Status is { State: TaskState.Pending, RetryAt: { } retryAt })
        {
            ArmRetry(retryAt);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        windowTimer?.Dispose();
        runTimer?.Dispose();
        retryTimer?.Dispose();
        placingTimer?.Dispose();
        if (flushTimer is null)
        {
            return;
        }

        // A lone silo without durable state is stopping: its catalogue is going too, and nothing written outlives it.
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !options.Value.QueueRecovery)
        {
            flushTimer.Dispose();
            return;
        }

        await Flush();
    }

    public async Task<SubmitResult> Submit(TaskSpec spec)
    {
        // Validation comes first, also for a repeat of an existing id: comparing a null spec or null constraints with
        // the held spec would throw instead of naming the broken field.
        var errors = SpecValidator.Validate(spec);
        if (errors.IsEmpty && spec.Schedule is not null)
        {
            errors = ScheduleWindows.Validate(spec.Schedule);
        }

        if (errors.IsEmpty && spec.After?.Contains(TaskId) == true)
        {
            errors = [new ValidationError("after", $"must not name the task itself ('{TaskId}')")];
        }

        if (errors.IsEmpty && spec.Notify is { } url && Notifications.NotifyRule.Refusal(url, notify.Value.AllowedHosts) is { } refused)
        {
            errors = [new ValidationError("notify", refused)];
        }

        if (!TaskIdFormat.IsValid(TaskId))
        {
            errors = errors.Insert(0, new ValidationError("taskId", TaskIdFormat.Rule));
        }

        if (!errors.IsEmpty)
        {
            return SubmitResult.Rejected(errors);
        }

        if (Status is { } existing)
        {
            if (!SpecIdentity.Same(existing.Spec, spec))
            {
                return SubmitResult.Rejected([new ValidationError("taskId", $"'{TaskId}' is already used by another spec")]);
            }

            // A client retrying a submit that failed half-way (Pending written, queue not reached: a silo died) must
            // not leave the task waiting in no queue: queue it again (idempotent per generation).
            if (existing is { State: TaskState.Pending, QuotaWait: not null })
            {
                await AskQuotaAgain(existing);
            }
            else if (existing.State == TaskState.Pending && !record.State.OperatorPaused)
            {
                await Requeue(existing);
                await KeepQueueReminder();
            }
            else if (existing is { State: TaskState.Blocked, Awaiting: { } awaiting })
            {
                // Its follows may not all have been asked (the silo died half-way): asking again is idempotent.
                await Settle(await FollowAll(awaiting));
            }

            return SubmitResult.Ok(Status!);
        }

        using var span = OrionTelemetry.Source.StartActivity("orion.task.submit");
        span?.SetTag(OrionTelemetry.Attributes.TaskId, TaskId).SetTag(OrionTelemetry.Attributes.Tenant, spec.Tenant);
        if (spec.After is { Count: > 0 } after)
        {
            // Peeked, not asked: a task submitted at the same moment may be in its own submit, peeking at this one.
            var awaited = await Task.WhenAll(after.Select(id => GrainFactory.Grain<IVGpuTaskGrain>(id).PeekStatus()));
            var refusals = after.Zip(awaited)
                .Select(a => TaskAfter.Refusal(a.First, a.Second, spec.AfterCondition))
                .OfType<string>()
                .Select(rule => new ValidationError("after", rule))
                .ToImmutableArray();
            if (!refusals.IsEmpty)
            {
                return SubmitResult.Rejected(refusals);
            }

            var open = after.Zip(awaited).Where(a => TaskAfter.Met(a.Second!.State, spec.AfterCondition) != true).Select(a => a.First).ToImmutableList();
            if (!open.IsEmpty)
            {
                // Nothing is charged or queued until they have completed.
                logger.LogInformation("Task {TaskId} ({Name}, {Tenant}) submitted; it runs after {Awaiting}", TaskId, spec.Name, spec.Tenant, open);
                await Change(new VGpuTaskStatus(TaskId, spec, TaskState.Blocked, null, 0, time.GetUtcNow(), null, null, null, null, 0,
                    GangWaits: spec.Gang is not null, Awaiting: open));
                await KeepQueueReminder();
                await Settle(await FollowAll(open));
                return SubmitResult.Ok(Status!);
            }
        }

        // Charged against its tenant's quota before anything is written: a refusal leaves no task. One that would pass the
        // quota waits in its tenant's line, unless it asked to fail rather than wait. A scheduled task is charged only while
        // a window is open (it asks as each one opens), so here it only learns whether the quota could ever take it.
        var admission = spec.Schedule is null
            ? await TenantOf(spec).Admit(TaskId, spec.Resources, spec.Priority.Class, wait: !spec.Constraints.FailIfUnplaceable, mayBorrow: TenantLedger.MayBorrow(spec), gang: spec.Gang)
            : await TenantOf(spec).Check(TaskId, spec.Resources, spec.Priority.Class);
        if (admission.Outcome == AdmitOutcome.Refused)
        {
            return SubmitResult.Rejected(admission.Errors);
        }

        var status = new VGpuTaskStatus(TaskId, spec, TaskState.Pending, null, 0, time.GetUtcNow(), null, null, null, null, 0, GangWaits: spec.Gang is not null);
        logger.LogInformation("Task {TaskId} ({Name}, {Tenant}, {Priority}) submitted", TaskId, spec.Name, spec.Tenant, spec.Priority);

        if (admission.Outcome == AdmitOutcome.Waiting)
        {
            logger.LogInformation("Task {TaskId} waits for its tenant's quota: {Why}", TaskId, string.Join("; ", admission.Errors));
            await Change(status with { QuotaWait = string.Join("; ", admission.Errors) });

            // A lost word from the tenant is made up by asking again at the reminder.
            await KeepQueueReminder();
        }
        else
        {
            await Begin(status with { Borrowed = admission.Outcome == AdmitOutcome.Borrowed });
        }

        return SubmitResult.Ok(Status!);
    }

    public Task<VGpuTaskStatus?> GetStatus() => Task.FromResult(Status);

    public async Task<TaskLogChunk?> ReadLog(long? generation, long offset, int maxBytes) =>
        Status is { } status && status.NodeOfRun(generation) is { } node
            ? await GrainFactory.Grain<INodeGrain>(node).ReadLog(status.TaskId, generation ?? status.Generation, offset, maxBytes)
            : null;

    /// <summary>Its tenant's, on the node it is placed on.</summary>
    public Access.AccessTarget TargetOf(Orleans.Serialization.Invocation.IInvokable request) => new(Status?.Spec.Tenant, Status?.Placement?.NodeId);

    public async Task<VGpuTaskStatus?> Follow(string dependentId)
    {
        var dependents = record.State.Dependents ??= [];
        if (Status is { } status && !status.State.IsTerminal() && dependents.Add(dependentId))
        {
            try
            {
                await record.WriteStateAsync();
            }
            catch
            {
                // Not followed then: the dependent asks again at its reminder.
                dependents.Remove(dependentId);
                throw;
            }
        }

        return Status;
    }

    public Task OnAwaitedEnded(string taskId, TaskState state, string reason) => Settle([(taskId, state, reason)]);

    public async Task MeterRun(long generation)
    {
        if (Status is not { Placement: { } placement, PlacedAt: { } placedAt } status || status.Generation != generation || !status.State.HoldsCapacity())
        {
            return;
        }

        // The totals as if the run let go now; its end reports them again, grown, and the meter counts only what was added.
        var now = time.GetUtcNow();
        var (card, memory) = UsageBook.Of(placement, now - placedAt);
        try
        {
            await GrainFactory.Grain<ITenantMeterGrain>(status.Spec.Tenant)
                .Meter(new UsageReport(TaskId, placedAt, now, status.CardSeconds + card, status.MemoryMiBSeconds + memory, status.Runs, Final: false, status.Spec.Labels,
                    placement.DataCenter));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId} could not report its run so far to its tenant's meter; the next report carries it", TaskId);
        }
    }

    /// <summary>Asks each task a blocked task runs after to tell it when it ends; what they answer now.</summary>
    private async Task<(string Id, TaskState? State, string? Reason)[]> FollowAll(IEnumerable<string> ids) =>
        await Task.WhenAll(ids.Select(async id => await GrainFactory.Grain<IVGpuTaskGrain>(id).Follow(TaskId) is { } s ? (id, (TaskState?)s.State, s.ExitReason) : (id, null, null)));

    /// <summary>
    /// A blocked task takes in how the tasks it runs after stand: one that ended as its condition asks is waited for no more,
    /// and when none is left it is admitted and queued; one that ended otherwise (or is gone) cancels it, as it would never run.
    /// </summary>
    private async Task Settle(IEnumerable<(string Id, TaskState? State, string? Reason)> seen)
    {
        if (Status is not { State: TaskState.Blocked } blocked)
        {
            return;
        }

        var awaiting = blocked.Awaiting ?? [];
        foreach (var (id, state, reason) in seen)
        {
            if (!awaiting.Contains(id))
            {
                continue;
            }

            var met = TaskAfter.Met(state, blocked.Spec.AfterCondition);
            if (met == true)
            {
                awaiting = awaiting.Remove(id);
            }
            else if (met == false)
            {
                await End(TaskState.Cancelled, state is null
                    ? $"{id}, which it runs after, no longer exists"
                    : $"{id}, which it runs after, {Lower(state.Value)}: {reason}{TaskAfter.Only(blocked.Spec.AfterCondition)}");
                return;
            }
        }

        if (awaiting.IsEmpty && record.State.OperatorPaused)
        {
            // Held: it is unblocked when released.
            if (blocked.Awaiting is not { Count: 0 })
            {
                await Change(blocked with { Awaiting = awaiting });
            }
        }
        else if (awaiting.IsEmpty)
        {
            await Unblock(blocked);
        }
        else if (awaiting.Count != blocked.Awaiting?.Count)
        {
            await Change(blocked with { Awaiting = awaiting });
        }
    }

    /// <summary>Every task it runs after has ended as it asks: admitted by its tenant's quota now, as a new submit would be.</summary>
    private async Task Unblock(VGpuTaskStatus blocked)
    {
        var ended = blocked.Spec.AfterCondition.ToString().ToLowerInvariant();
        logger.LogInformation("Task {TaskId}: every task it runs after has {Ended}", TaskId, ended);
        Notice(PoolEventKinds.Unblocked, $"tenant {blocked.Spec.Tenant}", $"{string.Join(", ", blocked.Spec.After ?? [])} {ended}");
        var status = blocked with { State = TaskState.Pending, Awaiting = null };
        var spec = status.Spec;
        var admission = await TenantOf(spec).Admit(TaskId, spec.Resources, spec.Priority.Class, wait: !spec.Constraints.FailIfUnplaceable, mayBorrow: TenantLedger.MayBorrow(spec), gang: spec.Gang);
        if (admission.Outcome == AdmitOutcome.Refused)
        {
            await End(TaskState.Failed, string.Join("; ", admission.Errors), status);
        }
        else if (admission.Outcome == AdmitOutcome.Waiting)
        {
            await Change(status with { QuotaWait = string.Join("; ", admission.Errors) });
        }
        else
        {
            await Begin(status with { Borrowed = admission.Outcome == AdmitOutcome.Borrowed });
        }
    }

    private static string Lower(TaskState state) => state.ToString().ToLowerInvariant();

    /// <summary>Adds to the pool's event feed (one-way: the feed never holds the task up).</summary>
    private void Notice(string kind, string where, string detail) =>
        GrainFactory.Grain<IPoolEventsGrain>(GrainKeys.Pool).Publish(kind, TaskId, where, detail, 0).Ignore();

    /// <summary>Tells the feed of a change a client asked for, naming who where the pool takes tokens.</summary>
    private void Asked(string kind, string where, string detail) => Notice(kind, where, RequestedBy.Noted(detail));

    public async Task OnAdmitted(bool borrowed = false)
    {
        if (Status is { State: TaskState.Pending, QuotaWait: not null } waiting)
        {
            logger.LogInformation("Task {TaskId} admitted by its tenant's quota (borrowed room: {Borrowed})", TaskId, borrowed);
            await Begin(waiting with { QuotaWait = null, Borrowed = borrowed });
        }
    }

    public async Task OnQuotaRefused(string reason)
    {
        // In line for room, or admitted as a gang's member still waiting for its gang (which the quota can no longer take whole).
        if (Status is { State: TaskState.Pending } pending && (pending.QuotaWait is not null || pending is { Spec.Gang: not null, GangWaits: true }))
        {
            await StopRun(pending);
            await Disarm();
            await End(TaskState.Failed, reason);
        }
    }

    /// <summary>An admitted task's first step: queued, or for a scheduled one, its first window looked for.</summary>
    private async Task Begin(VGpuTaskStatus status)
    {
        if (record.State.OperatorPaused && status.Spec.Schedule is null)
        {
            // Admitted while held: charged, queued nowhere until released.
            await Change(Pending(status, null));
        }
        else if (status.Spec.Schedule is null)
        {
            await QueueNew(status);
        }
        else
        {
            await Change(status with { State = TaskState.Scheduled });
            await NextWindow(time.GetUtcNow(), first: true);
        }
    }

    /// <summary>A task waiting for its quota asks again (a retried submit, the reminder): its tenant may have admitted it, or may have lost its word.</summary>
    private async Task AskQuotaAgain(VGpuTaskStatus waiting)
    {
        var admission = await TenantOf(waiting.Spec).Admit(TaskId, waiting.Spec.Resources, waiting.Spec.Priority.Class, wait: true, mayBorrow: TenantLedger.MayBorrow(waiting.Spec), gang: waiting.Spec.Gang);
        if (admission.Outcome is AdmitOutcome.Admitted or AdmitOutcome.Borrowed)
        {
            await Begin(waiting with { QuotaWait = null, Borrowed = admission.Outcome == AdmitOutcome.Borrowed });
        }
        else if (admission.Outcome == AdmitOutcome.Refused)
        {
            // The quota was lowered below what the task alone asks: no room could ever take it.
            await OnQuotaRefused(string.Join("; ", admission.Errors));
        }
    }

    public Task<VGpuTaskStatus?> PeekStatus() => Task.FromResult(Status);

    public async Task<VGpuTaskStatus?> Cancel(string reason)
    {
        var status = Status;
        if (status is null || status.State.IsTerminal())
        {
            return status;
        }

        var why = string.IsNullOrWhiteSpace(reason) ? "cancelled" : reason;
        await StopRun(status);
        await Disarm();
        await End(TaskState.Cancelled, why);
        Asked(PoolEventKinds.Cancel, status.Placement?.NodeId ?? $"tenant {status.Spec.Tenant}", why);
        return Status;
    }

    public async Task<VGpuTaskStatus?> Pause(string reason)
    {
        var status = Status;
        if (status is null || record.State.OperatorPaused)
        {
            return status;
        }

        var why = string.IsNullOrWhiteSpace(reason) ? "paused by an operator" : reason;
        if (status.State is TaskState.Pending or TaskState.Blocked)
        {
            await HoldUnstarted(status, why);
            return Status;
        }

        if (status.State == TaskState.Scheduled && !record.State.WindowPaused)
        {
            // Suspended, as a suspended cron job: its windows pass unrun until resumed.
            record.State.OperatorPaused = true;
            logger.LogInformation("Task {TaskId} suspended by an operator: {Reason}", TaskId, why);
            Asked(PoolEventKinds.OperatorPause, $"tenant {status.Spec.Tenant}", why);
            await Change(status with { HeldBy = why });
            return Status;
        }

        if (status.State is not (TaskState.Running or TaskState.Suspended) || status.Placement is not { } placement)
        {
            throw new InvalidOperationException($"task {TaskId} is {status.State}: only a running, queued, blocked or scheduled task can be paused (cancel one that is not)");
        }

        if (record.State.WindowPaused)
        {
            throw new InvalidOperationException($"task {TaskId} is paused by its window's close until its next window");
        }

        // The hold first: a pause the daemon did not take is not written, and the caller hears why.
        await GrainFactory.Grain<INodeGrain>(placement.NodeId).HoldTask(TaskId, status.Generation, OperatorHold, paused: true);
        record.State.OperatorPaused = true;
        logger.LogInformation("Task {TaskId} paused by an operator: {Reason}", TaskId, why);
        Asked(PoolEventKinds.OperatorPause, placement.NodeId, why);
        var paused = status.State == TaskState.Suspended ? status : status with { SuspendCount = status.SuspendCount + 1, SuspendedSince = time.GetUtcNow() };
        await Change(paused with { State = TaskState.Suspended, HeldBy = why });
        return Status;
    }

    /// <summary>
    /// An operator holds a task that has not started (Slurm's hold): a queued one leaves its queue under a new generation
    /// (a placement made meanwhile is then stale and given back); one in its tenant's line, backing off or blocked stays
    /// there, and is not queued when its turn comes. It keeps its quota charge, as a queued task does. A gang's member
    /// waiting for its gang holds the whole gang so: the others wait in the queue until it is there too.
    /// </summary>
    private async Task HoldUnstarted(VGpuTaskStatus status, string why)
    {
        if (status.Spec.Schedule is not null)
        {
            throw new InvalidOperationException($"task {TaskId} is scheduled and queued in its window: pause it once it runs, or between its windows to skip them");
        }

        record.State.OperatorPaused = true;
        logger.LogInformation("Task {TaskId} held by an operator: {Reason}", TaskId, why);
        Asked(PoolEventKinds.OperatorPause, status.QueuedIn ?? $"tenant {status.Spec.Tenant}", why);
        if (status is { State: TaskState.Pending, QuotaWait: null, RetryAt: null })
        {
            await StopRun(status);
            await Change(Pending(status, null) with { HeldBy = why });
        }
        else
        {
            await Change(status with { HeldBy = why });
        }
    }

    /// <summary>Lifts a hold on a task that had not started: queued again, or left to its line, backoff or wait as it was.</summary>
    private async Task LiftHold(VGpuTaskStatus held)
    {
        record.State.OperatorPaused = false;
        logger.LogInformation("Task {TaskId} released by an operator", TaskId);
        Asked(PoolEventKinds.OperatorResume, $"tenant {held.Spec.Tenant}", $"was held: {held.HeldBy}");
        var released = held with { HeldBy = null };
        if (released is { State: TaskState.Pending, QuotaWait: null, RetryAt: null })
        {
            await Queue(released, sameGeneration: true);
        }
        else if (released is { State: TaskState.Pending, RetryAt: not null })
        {
            await Change(released);
            await RetryWhenDue(released);
        }
        else if (released is { State: TaskState.Blocked, Awaiting.Count: 0 })
        {
            await Unblock(released);
        }
        else
        {
            await Change(released);
        }
    }

    public async Task<VGpuTaskStatus?> SetPriority(TaskPriority priority)
    {
        var status = Status;
        if (status is null || status.Spec.Priority == priority)
        {
            return status;
        }

        if (SpecValidator.Validate(status.Spec with { Priority = priority }).FirstOrDefault(e => e.Field.StartsWith("priority", StringComparison.Ordinal)) is { } bad)
        {
            throw new ArgumentException(bad.ToString(), nameof(priority));
        }

        if (status.State.IsTerminal())
        {
            throw new InvalidOperationException($"task {TaskId} is {status.State}: an ended task has no priority to change");
        }

        if (status.Spec.Gang is { } gang)
        {
            throw new InvalidOperationException($"task {TaskId} is a member of gang {gang.Name}, whose members share one priority");
        }

        if ((status.Spec.Priority.Class == PriorityClass.Online) != (priority.Class == PriorityClass.Online))
        {
            throw new InvalidOperationException($"task {TaskId}: a change to or from online is not a priority change (an online task is a service, leased as one); submit it anew");
        }

        if (priority.Class > status.Spec.Priority.Class && await TenantOf(status.Spec).PriorityRefusal(priority.Class) is { } capped)
        {
            throw new ArgumentException(capped.ToString(), nameof(priority));
        }

        logger.LogInformation("Task {TaskId} priority {Old} -> {New}", TaskId, status.Spec.Priority, priority);
        var changed = status with { Spec = status.Spec with { Priority = priority } };
        if (status.State.HoldsCapacity() && status.Placement is { } placement)
        {
            // Its node and cards first: a change they did not take is not written, and the caller hears why.
            await GrainFactory.Grain<INodeGrain>(placement.NodeId).SetTaskPriority(TaskId, status.Generation, priority);
            await Change(changed);
        }
        else if (status is { State: TaskState.Pending, QuotaWait: null, RetryAt: null } && !record.State.OperatorPaused)
        {
            // Out of its queue and in again under a new generation, in its new place; a placement made meanwhile is given back.
            await StopRun(status);
            await Queue(changed);
        }
        else
        {
            // In its tenant's line, backing off, blocked, held or asleep: it is queued with the new priority when its time comes.
            await Change(changed);
        }

        if (priority.Class != status.Spec.Priority.Class)
        {
            // Once taken: its tenant's ledger checks a lowered priority cap against the class it has now.
            await TenantOf(status.Spec).Reprioritise(TaskId, priority.Class);
        }

        Asked(PoolEventKinds.PriorityChange, status.Placement?.NodeId ?? $"tenant {status.Spec.Tenant}", $"{status.Spec.Priority} → {priority}");
        return Status;
    }

    public async Task<VGpuTaskStatus?> Resume()
    {
        var status = Status;
        if (status is { State: TaskState.Pending or TaskState.Blocked } && record.State.OperatorPaused)
        {
            await LiftHold(status);
            return Status;
        }

        if (status is { State: TaskState.Scheduled } && record.State.OperatorPaused && !record.State.WindowPaused)
        {
            // Its windows run again from now: one open now opens at once.
            record.State.OperatorPaused = false;
            logger.LogInformation("Task {TaskId} resumed by an operator", TaskId);
            Asked(PoolEventKinds.OperatorResume, $"tenant {status.Spec.Tenant}", $"was held: {status.HeldBy}");
            await NextWindow(time.GetUtcNow(), first: true, from: status with { HeldBy = null });
            return Status;
        }

        if (status is null || !record.State.OperatorPaused || status.Placement is not { } placement)
        {
            return status;
        }

        await GrainFactory.Grain<INodeGrain>(placement.NodeId).HoldTask(TaskId, status.Generation, OperatorHold, paused: false);
        record.State.OperatorPaused = false;
        logger.LogInformation("Task {TaskId} resumed by an operator", TaskId);
        Asked(PoolEventKinds.OperatorResume, placement.NodeId, $"was held: {status.HeldBy}");

        // A card that paused it meanwhile (online work busy) still holds it: it stays Suspended until that card resumes it.
        var cards = await Task.WhenAll(placement.GpuIds.Select(id => GrainFactory.Grain<IGpuGrain>(id).GetSnapshot()));
        await Change(cards.Any(c => c is { Paused.IsDefault: false } && c.Paused.Contains(TaskId))
            ? status with { HeldBy = null }
            : Resumed(status, time.GetUtcNow()) with { State = TaskState.Running, HeldBy = null });
        return Status;
    }

    public async Task<VGpuTaskStatus?> WaitForChange(long afterVersion, TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must not be negative");
        }

        if (Status is null || Status.Version > afterVersion || Status.State.IsTerminal() || timeout == TimeSpan.Zero)
        {
            return Status;
        }

        // On the Orion clock, at most MaxChangeWait (a caller waits far less for a grain call anyway); the wait's timer
        // goes as soon as the change comes, so long-polls leave no timers behind.
        using var cancel = new CancellationTokenSource();
        var signal = changed.Task;
        var delay = Task.Delay(timeout < MaxChangeWait ? timeout : MaxChangeWait, time, cancel.Token);
        if (await Task.WhenAny(signal, delay) != delay)
        {
            await cancel.CancelAsync();
        }

        return Status;
    }

    public async Task OnPlaced(long generation, TaskPlacement placement)
    {
        var status = Status;
        if (status is not null && status.Generation == generation && status.State.HoldsCapacity() && status.Placement?.NodeId == placement.NodeId)
        {
            // Placed in the answer to its first queuing (Placing written then): this is the go-ahead to start it. Else
            // the placement it already holds, told again (a scheduler that queued it twice): releasing would free a
            // running task's capacity under it.
            if (status.State == TaskState.Placing && startOwed == generation)
            {
                startOwed = 0;
                await Start(status, status.Placement!);
            }

            return;
        }

        if (status is null || status.Generation != generation || status.State != TaskState.Pending)
        {
            // A stale or late placement: give the capacity straight back.
            await GrainFactory.Grain<INodeGrain>(placement.NodeId).Release(TaskId, generation);
            return;
        }

        await Change(Placing(status, placement));
        await Start(Status!, placement);
    }

    /// <summary>Starts a placed task on its node; a failed start gives the reservation back and follows the restart policy.</summary>
    private async Task Start(VGpuTaskStatus status, TaskPlacement placement)
    {
        var generation = status.Generation;
        var launch = new TaskLaunch(TaskId, generation, placement.GpuIds, placement.ComputeMilli, placement.GpuMemoryMiB, status.Spec.Workload,
            DemandMeasured: status.Spec.IsOnlineProcess(), IdleTimeout: await idleTimeouts.Of(status.Spec), Readiness: status.Spec.Readiness, Liveness: status.Spec.Liveness,
            StopGrace: status.Spec.StopGrace, Startup: status.Spec.Startup, Rendezvous: placement.Rendezvous);
        using var span = OrionTelemetry.Source.StartActivity("orion.task.start");
        span?.SetTag(OrionTelemetry.Attributes.TaskId, TaskId).SetTag(OrionTelemetry.Attributes.Node, placement.NodeId);
        try
        {
            // A task on one card asks the card itself (one call for prepare, start and arbitration, not node then card).
            if (placement.GpuIds.Length != 1 || !await TryStartOnCard(placement.GpuIds[0], launch))
            {
                await GrainFactory.Grain<INodeGrain>(placement.NodeId).StartTask(launch);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId} could not start on {NodeId}", TaskId, placement.NodeId);
            var lost = await ReservationLost(placement.NodeId, generation);
            if (!lost && ex is TimeoutException)
            {
                // Unanswered is not refused: the daemon may run it (it reports the start itself, and its node's heartbeat
                // tells the cards) or may never have heard of it. It stays Placing on its reservation; a start that never
                // happened is placed again once the placing timeout has passed, by this timer or the queue reminder.
                logger.LogWarning("Task {TaskId} does not know whether it started on {NodeId}: it waits for the daemon's report until the placing timeout", TaskId, placement.NodeId);
                placingTimer?.Dispose();
                placingTimer = TickAfter((Status?.PlacedAt ?? time.GetUtcNow()) + options.Value.PlacingTimeout + TimeSpan.FromMilliseconds(1) - time.GetUtcNow(), "placing");
                return;
            }

            try
            {
                await GrainFactory.Grain<INodeGrain>(placement.NodeId).Release(TaskId, generation);
            }
            catch (Exception release)
            {
                // The node's silo may be gone with it; a fresh node activation lets go of what it does not hold.
                logger.LogWarning(release, "Task {TaskId} could not release its reservation on {NodeId}", TaskId, placement.NodeId);
            }

            if (lost)
            {
                // Its node lost the reservation before the run began (the node's silo died between placement and start):
                // no run failed, so it is placed again under a new generation, as an evicted task is, counting no restart.
                await Queue(StoppedRun(Status!, $"its placement on {placement.NodeId} was lost before it started"));
                return;
            }

            // A failed start is a failed run: the restart policy decides (a silo dying mid-start is not the task's fault).
            if (!await Restarted(Status!, $"start failed: {ex.Message}"))
            {
                // Ended: a scheduled task's window reminder would otherwise fire every minute for ever.
                await Disarm();
                await End(TaskState.Failed, $"start failed: {ex.Message}");
            }
        }
    }

    /// <summary>True when the node answers that it holds no reservation of this generation; false when it holds one or cannot say.</summary>
    private async Task<bool> ReservationLost(string nodeId, long generation)
    {
        try
        {
            return !(await GrainFactory.Grain<INodeGrain>(nodeId).ListTasks()).Contains(new RunningTask(TaskId, generation));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId} could not ask {NodeId} whether it still holds its reservation", TaskId, nodeId);
            return false;
        }
    }

    /// <summary>
    /// The card's one-call start; false when the card leaves it to the node, or could not answer (a card on an older build
    /// during a rolling upgrade has no such call): the node's start is idempotent per generation and decides then.
    /// </summary>
    private async Task<bool> TryStartOnCard(string gpuId, TaskLaunch launch)
    {
        try
        {
            return await GrainFactory.Grain<IGpuGrain>(gpuId).TryStartTask(launch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId} could not be started by its card {GpuId}: its node starts it", TaskId, gpuId);
            return false;
        }
    }

    private VGpuTaskStatus Placing(VGpuTaskStatus status, TaskPlacement placement) => status with
    {
        State = TaskState.Placing,
        GangWaits = false,
        Placement = placement,
        PlacedAt = time.GetUtcNow(),
        ResidentMiB = placement.GpuMemoryMiB * placement.GpuIds.Length,
        HostMiB = 0,
    };

    public async Task OnUnplaceable(long generation, string reason)
    {
        if (Status is { State: TaskState.Pending } status && status.Generation == generation)
        {
            await End(TaskState.Failed, reason);
        }
    }

    public async Task OnStarted(long generation)
    {
        if (Status is { State: TaskState.Placing } status && status.Generation == generation)
        {
            record.State.PausedBeforeRun = status.SuspendedFor;
            // Not ready until its readiness probe (or its startup probe, without one) first passes.
            await Change(status with { State = TaskState.Running, StartedAt = time.GetUtcNow(), Ready = (status.Spec.Readiness ?? status.Spec.Startup) is null ? null : false, NotReadyBecause = null, ReadySince = null });
            if (status.Spec.MaxRuntime is not null)
            {
                await ArmRunLimit();
            }
        }
    }

    public async Task OnExited(TaskExit exit)
    {
        var status = Status;
        if (status is null || status.Generation != exit.Generation || !status.State.HoldsCapacity())
        {
            return;
        }

        // Free the capacity first: the moment a task ends its slice goes back to the pool.
        await GrainFactory.Grain<INodeGrain>(status.Placement!.NodeId).Release(TaskId, exit.Generation);
        status = Resumed(Status!, time.GetUtcNow()) with { ResidentMiB = 0, HostMiB = 0 };
        if (exit.Succeeded && status.Spec.Schedule is not null)
        {
            logger.LogInformation("Task {TaskId} finished window {Occurrence}", TaskId, status.Occurrence);

            // Written once with its next window: a watcher never sees it Scheduled for the window just done.
            await NextWindow(time.GetUtcNow(), first: false, from: status with { State = TaskState.Scheduled });
            return;
        }

        if (!exit.Succeeded && await Restarted(status, exit.Reason))
        {
            return;
        }

        await Disarm();
        await End(exit.Succeeded ? TaskState.Completed : TaskState.Failed, exit.Reason);
    }

    public async Task OnReadiness(long generation, bool ready, string? why)
    {
        var status = Status;
        if (status is not { State: TaskState.Running or TaskState.Suspended } || (status.Spec.Readiness ?? status.Spec.Startup) is null || status.Generation != generation
            || (status.Ready == ready && (ready || why is null || why == status.NotReadyBecause)))
        {
            return;
        }

        if (status.Ready == true && !ready)
        {
            logger.LogWarning("Task {TaskId} is not ready any more: {Why}", TaskId, why);
            Notice(PoolEventKinds.Unhealthy, status.Placement?.NodeId ?? "", $"not ready: {why}");
        }
        else if (ready)
        {
            logger.LogInformation("Task {TaskId} is ready", TaskId);
        }

        await Change(status with
        {
            Ready = ready,
            NotReadyBecause = ready ? null : why ?? status.NotReadyBecause,
            ReadySince = ready ? status.Ready == true ? status.ReadySince : time.GetUtcNow() : null,
        });
    }

    public async Task OnProbeFailed(long generation, string probe, string why)
    {
        // Only a run computing: a paused one is not probed, and the daemon's word may be late.
        var status = Status;
        if (status is not { State: TaskState.Running } || status.Generation != generation || probe is not ("liveness" or "startup"))
        {
            return;
        }

        var reason = $"its {probe} probe failed: {why}";
        logger.LogWarning("Task {TaskId} failed its {Probe} probe: {Why}; stopping its run", TaskId, probe, why);
        Notice(PoolEventKinds.Unhealthy, status.Placement?.NodeId ?? "", $"stopped: {reason}");
        await StopRun(status);
        if (!await Restarted(Status!, reason))
        {
            await Disarm();
            await End(TaskState.Failed, reason);
        }
    }

    public async Task OnIdle(long generation, TimeSpan timeout)
    {
        // Only a run computing when it may: a paused one is idle by the pool's doing, and the daemon's word may be late.
        var status = Status;
        if (status is not { State: TaskState.Running } || status.Generation != generation)
        {
            return;
        }

        var whose = status.Spec.IdleTimeout == timeout ? "its" : "its tenant's";
        logger.LogInformation("Task {TaskId} left its cards idle for {Whose} idle timeout of {IdleTimeout}: stopping it", TaskId, whose, timeout);
        Notice(PoolEventKinds.IdleStop, status.Placement?.NodeId ?? "", $"stopped: its cards idle for {Durations.Format(timeout)} ({whose} idle timeout)");
        await StopRun(status);
        await End(TaskState.Cancelled, $"stopped by the pool: its cards were idle for {whose} idle timeout of {Durations.Format(timeout)}");
    }

    public async Task OnNodeLost(long generation, string reason)
    {
        var status = Status;
        if (status is null || status.Generation != generation || !status.State.HoldsCapacity())
        {
            return;
        }

        // The node has already let go of the capacity; the task restarts or fails per its policy.
        logger.LogWarning("Task {TaskId} lost its node: {Reason}", TaskId, reason);
        if (!await Restarted(status, reason))
        {
            await Disarm();
            await End(TaskState.Failed, $"node lost: {reason}");
        }
    }

    public async Task<bool> Evict(long generation, string nodeId, string reason)
    {
        var status = Status;
        if (status is null || status.Generation != generation || !status.State.HoldsCapacity() || status.Placement?.NodeId != nodeId)
        {
            return false;
        }

        logger.LogInformation("Task {TaskId} evicted from {NodeId}: {Reason}", TaskId, nodeId, reason);
        await StopRun(status);

        // A gang's member moves with its gang: a collective that lost a member cannot go on, and only a gang placed whole
        // gets a rendezvous. It waits in the queue for the others, which stop and queue again too.
        var gang = status.Spec.Gang is not null && status.Placement is { Gang.IsEmpty: false } ? status.Placement.Gang : [];
        await Queue(StoppedRun(status, $"evicted from {nodeId}: {reason}") with { GangWaits = !gang.IsEmpty });
        foreach (var member in gang)
        {
            await GrainFactory.Grain<IVGpuTaskGrain>(member).OnGangMoved(TaskId, $"moved off {nodeId}: {reason}");
        }

        return true;
    }

    public async Task OnGangMoved(string memberId, string reason)
    {
        var status = Status;
        if (status is not { Spec.Gang: { } gang, Placement: { } placement } || !status.State.HoldsCapacity() || !placement.Gang.Contains(memberId))
        {
            // Ended, queued again already, or placed since without that member.
            return;
        }

        logger.LogInformation("Task {TaskId} moves with gang {Gang}: member {MemberId} {Reason}", TaskId, gang.Name, memberId, reason);
        await StopRun(status);
        await Queue(StoppedRun(status, $"gang {gang.Name} moves whole: member {memberId} {reason}") with { GangWaits = true });
    }

    public async Task<string?> Move(long generation, string nodeId, string reason, bool replicasOnly = false)
    {
        var status = Status;
        if (status is null || status.Generation != generation || !status.State.HoldsCapacity() || status.Placement?.NodeId != nodeId)
        {
            return $"not on {nodeId} under generation {generation}: moved or ended already, or not placed there yet";
        }

        var deployment = status.Spec.Labels?.TryGetValue(DeploymentRules.DeploymentLabel, out var name) == true && DeploymentRules.IsValidName(name) ? name : null;
        if (deployment is null && replicasOnly)
        {
            return "no deployment's replica: it stays until it must go";
        }

        // A replica's deployment's disruption budget: how many replicas may be out of service at once.
        if (deployment is not null && await GrainFactory.Grain<IDeploymentGrain>(deployment).MayMove(TaskId) is { } wait)
        {
            return wait;
        }

        return await Evict(generation, nodeId, reason) ? null : "not evicted";
    }

    public async Task<bool> Reclaim(long generation, string nodeId, string forTaskId)
    {
        if (Status is { Borrowed: true })
        {
            return await Evict(generation, nodeId, $"borrowed room reclaimed for {forTaskId}");
        }

        // Not on loan any more, yet its node still counts it so (its word was lost, or it was placed from a queue entry
        // made while on loan): the node hears it again, and nothing is evicted.
        if (Status is { } status && status.Generation == generation && status.Placement?.NodeId == nodeId)
        {
            await TellRepaid(status);
        }

        return false;
    }

    public async Task OnLoanRepaid()
    {
        if (Status is not { Borrowed: true } status || status.State.IsTerminal())
        {
            return;
        }

        logger.LogInformation("Task {TaskId} is within its tenant's quota now, no longer on borrowed room", TaskId);
        var repaid = status with { Borrowed = false };
        await Change(repaid);
        if (repaid.Placement is not null)
        {
            await TellRepaid(repaid);
        }
        else if (repaid is { State: TaskState.Pending, QuotaWait: null, QueuedIn: not null })
        {
            // Its queue entry (same generation) takes the change and keeps its place.
            await Requeue(repaid);
        }
    }

    /// <summary>Tells the task's node it is within its quota (best effort: <see cref="Reclaim"/> tells it again).</summary>
    private async Task TellRepaid(VGpuTaskStatus status)
    {
        try
        {
            await GrainFactory.Grain<INodeGrain>(status.Placement!.NodeId).Repaid(TaskId, status.Generation);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId} could not tell node {NodeId} it is within its quota", TaskId, status.Placement!.NodeId);
        }
    }

    /// <summary>Queues the task again when its restart policy allows another attempt.</summary>
    private async Task<bool> Restarted(VGpuTaskStatus status, string reason)
    {
        if (status.Spec.Restart is not { Kind: RestartPolicyKind.OnFailure } policy || status.Restarts >= policy.MaxAttempts)
        {
            return false;
        }

        logger.LogInformation("Task {TaskId} restarts ({Attempt}/{Max}) after: {Reason}", TaskId, status.Restarts + 1, policy.MaxAttempts, reason);
        var restarting = StoppedRun(status, reason) with { Restarts = status.Restarts + 1, GangWaits = status.Spec.Gang is not null };

        // A scheduled task's window is its own limit: it restarts at once within it.
        if (status.Spec.Schedule is null && policy.DelayBefore(restarting.Restarts) is var delay && delay > TimeSpan.Zero)
        {
            // Pending under its next generation but in no queue (a late word of the failed run is stale) until the backoff ends.
            var at = time.GetUtcNow() + delay;
            logger.LogInformation("Task {TaskId} waits {Delay} before it is queued again", TaskId, delay);
            await Change(Pending(restarting, null) with { RetryAt = at });
            ArmRetry(at);
            await KeepQueueReminder();
        }
        else
        {
            await Queue(restarting);
        }

        // A gang restarts whole: its other members stop and queue again with it, to be placed together once more.
        if (status.Spec.Gang is not null && status.Placement is { Gang.IsEmpty: false } placement)
        {
            foreach (var member in placement.Gang)
            {
                await GrainFactory.Grain<IVGpuTaskGrain>(member).OnGangRestart(TaskId, status.Restarts + 1, reason);
            }
        }

        return true;
    }

    public async Task OnGangRestart(string memberId, int restart, string reason)
    {
        var status = Status;
        if (status is not { Spec.Gang: { } gang } || status.State.IsTerminal() || status.Restarts >= restart)
        {
            // Ended, or already queued again for this restart (members that failed together each restart the gang).
            return;
        }

        logger.LogInformation("Task {TaskId} restarts with gang {Gang} ({Restart}): member {MemberId} failed", TaskId, gang.Name, restart, memberId);
        await StopRun(status);
        await Queue(StoppedRun(status, $"gang {gang.Name} restarts: member {memberId} failed: {reason}") with { Restarts = restart, GangWaits = true });
    }

    public async Task<DemandAck> SetDemand(bool busy, long sequence)
    {
        var status = Status;
        if (status is null || sequence <= record.State.DemandSequence)
        {
            return new DemandAck(record.State.Busy, [], false);
        }

        if (status.Spec.Priority.Class != PriorityClass.Online)
        {
            throw new InvalidOperationException($"task {TaskId} is {status.Spec.Priority.Class}: only online tasks signal demand");
        }

        // Demand is soft state, not persisted: it is on the preemption path, and after a reactivation the
        // service's next transition re-establishes it.
        record.State.DemandSequence = sequence;
        record.State.Busy = busy;
        if (!status.State.HoldsCapacity() || status.Placement is null)
        {
            return new DemandAck(busy, [], true);
        }

        // The answer waits for the task's memory too, when some of it has to come back from host RAM.
        var acks = await Task.WhenAll(status.Placement.GpuIds.Select(id =>
            GrainFactory.Grain<IGpuGrain>(id).SetDemandUntilResidentAsync(TaskId, status.Generation, busy, sequence)));
        return new DemandAck(busy, [.. acks.SelectMany(a => a.Paused).Distinct()], acks.All(a => a.Applied), acks.Any(a => a.MemoryPending));
    }

    public async Task OnMemoryMoved(long generation, SwapResult result)
    {
        if (Status is not { } status || status.Generation != generation || !status.State.HoldsCapacity() || status.Placement is null)
        {
            return;
        }

        var cards = status.Placement.GpuIds.Length;
        await Change(status with
        {
            ResidentMiB = result.ResidentMiB * cards,
            HostMiB = result.HostMiB * cards,
            Swaps = status.Swaps + (result.BytesMoved > 0 ? 1 : 0),
            BytesMoved = status.BytesMoved + result.BytesMoved,
        });
    }

    public async Task OnSuspended(long generation, bool suspended, DateTimeOffset at)
    {
        var status = Status;
        if (status is null || status.Generation != generation || record.State.WindowPaused || record.State.OperatorPaused)
        {
            return;
        }

        if (suspended && status.State is TaskState.Running or TaskState.Placing)
        {
            ChangeSoon(status with { State = TaskState.Suspended, SuspendCount = status.SuspendCount + 1, SuspendedSince = at });
        }
        else if (!suspended && status.State == TaskState.Suspended)
        {
            ChangeSoon(Resumed(status, at) with { State = TaskState.Running });
        }
    }

    public async Task OnScheduleTick()
    {
        var status = Status;
        if (placingTimer is not null && status is { State: TaskState.Placing, PlacedAt: { } placedAt } placing
            && time.GetUtcNow() - placedAt > options.Value.PlacingTimeout)
        {
            placingTimer.Dispose();
            placingTimer = null;
            await PlaceAgainIfNeverStarted(placing);
            return;
        }

        if (status is { State: TaskState.Pending, RetryAt: not null })
        {
            await RetryWhenDue(status);
            return;
        }

        if (status?.Spec.MaxRuntime is { } limit)
        {
            await CheckRunLimit(status, limit);
            return;
        }

        if (status?.Spec.Schedule is not { } schedule)
        {
            return;
        }

        if (status.State.IsTerminal())
        {
            // A reminder left behind by an ended task: nothing is left to open or close.
            await Disarm();
            return;
        }

        var now = time.GetUtcNow();
        if (status.State == TaskState.Scheduled || record.State.WindowPaused)
        {
            if (status.WindowOpensAt is { } open && now >= open)
            {
                if (now < status.WindowClosesAt && record.State.OperatorPaused && !record.State.WindowPaused)
                {
                    // Suspended by an operator: this window passes unrun, and the next is waited for.
                    logger.LogInformation("Task {TaskId} skips its window at {Open}: held by an operator ({Reason})", TaskId, open, status.HeldBy);
                    await NextWindow(now, first: false);
                }
                else if (now < status.WindowClosesAt)
                {
                    await OpenWindow(status);
                }
                else
                {
                    // The whole window passed unseen (the silo was down): wait for the next.
                    await NextWindow(now, first: false);
                }
            }
        }
        else if (status.WindowClosesAt is { } close && now >= close)
        {
            await CloseWindow(status, schedule, now);
        }

        await Arm();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ForgetReminder)
        {
            await ForgetIfDue();
            return;
        }

        if (reminderName == NotifyReminder)
        {
            await NotifyIfDue();
            return;
        }

        if (reminderName != QueueReminder)
        {
            await OnScheduleTick();
            return;
        }

        if (record.State is { UnreportedFrom: { } from, UnreportedTo: { } to } && Status is { } reported && !await ReportUsage(reported, from, to, record.State.UnreportedDataCenter))
        {
            return;
        }

        if (Status is { State: TaskState.Pending, QuotaWait: not null } waiting)
        {
            await AskQuotaAgain(waiting);
        }

        // A scheduler that died with its silo forgot its queue: queuing again is idempotent, so just do it.
        else if (Status is { State: TaskState.Pending, RetryAt: null } pending)
        {
            if (!record.State.OperatorPaused)
            {
                await Requeue(pending);
            }
        }
        else if (Status is { State: TaskState.Placing } placing)
        {
            // The placement or the start was lost with a silo (both are one-way or retried only so long).
            await PlaceAgainIfNeverStarted(placing);
        }
        else if (Status is { State: TaskState.Pending, RetryAt: not null } backingOff)
        {
            await RetryWhenDue(backingOff);
        }
        else if (Status is { State: TaskState.Blocked, Awaiting: { } awaiting })
        {
            // A word lost with a silo (an ending told, a follow not written): asked again.
            await Settle(await FollowAll(awaiting));
        }
        else if (await this.GetReminder(QueueReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>
    /// Past the placing timeout and still not started: gives the reservation back and places the task again under a new
    /// generation, so a late start of the old one is refused. Counts no restart: no run failed.
    /// </summary>
    private async Task PlaceAgainIfNeverStarted(VGpuTaskStatus placing)
    {
        if (placing.PlacedAt is not { } placedAt || time.GetUtcNow() - placedAt <= options.Value.PlacingTimeout)
        {
            return;
        }

        logger.LogWarning("Task {TaskId} placed on {NodeId} at {PlacedAt} never started: placing it again", TaskId, placing.Placement?.NodeId, placedAt);
        try
        {
            if (placing.Placement is { } lost)
            {
                await GrainFactory.Grain<INodeGrain>(lost.NodeId).Release(TaskId, placing.Generation);
            }
        }
        catch (Exception ex)
        {
            // Its node's silo may be gone too; a fresh node activation lets go of what it does not hold.
            logger.LogWarning(ex, "Task {TaskId} could not release its lost placement", TaskId);
        }

        await Queue(placing);
    }

    /// <summary>A restart whose backoff has ended is queued (under the generation it waited in); else the timer is set for it.</summary>
    private async Task RetryWhenDue(VGpuTaskStatus waiting)
    {
        if (record.State.OperatorPaused)
        {
            // Held: its backoff is looked at again when it is released.
            return;
        }

        if (waiting.RetryAt is { } at && time.GetUtcNow() < at)
        {
            ArmRetry(at);
            return;
        }

        retryTimer?.Dispose();
        retryTimer = null;
        await Queue(waiting, sameGeneration: true);
    }

    /// <summary>The timer (Orion clock) for the end of a restart's backoff; the queue reminder queues it should this activation go.</summary>
    private void ArmRetry(DateTimeOffset at)
    {
        retryTimer?.Dispose();
        retryTimer = TickAfter(at - time.GetUtcNow(), "restart");
    }

    /// <summary>Ends a run past its <see cref="TaskSpec.MaxRuntime"/>; else sets the timer for when it will be.</summary>
    private async Task CheckRunLimit(VGpuTaskStatus status, TimeSpan limit)
    {
        var left = RunLimit.Left(status, record.State.PausedBeforeRun, time.GetUtcNow());
        if (left is null)
        {
            // No run under way (queued again, or ended): the next start sets it again.
            await DisarmRunLimit();
        }
        else if (left > TimeSpan.Zero)
        {
            await ArmRunLimit();
        }
        else
        {
            logger.LogWarning("Task {TaskId} ran past its max runtime of {Limit}: stopping it", TaskId, limit);
            Notice(PoolEventKinds.RunLimit, status.Placement?.NodeId ?? "", $"stopped past its max runtime of {Durations.Format(limit)}");
            await StopRun(status);
            await End(TaskState.Failed, RunLimit.Reason(limit));
        }
    }

    /// <summary>The timer (exact, Orion clock) and the reminder (durable) for the moment the run reaches its limit.</summary>
    private async Task ArmRunLimit()
    {
        runTimer?.Dispose();
        runTimer = null;
        if (Status is not { } status || RunLimit.Left(status, record.State.PausedBeforeRun, time.GetUtcNow()) is not { } left)
        {
            return;
        }

        // Pauses push the limit out: a tick that finds time left sets the timer again for what is left.
        var due = left < TimeSpan.Zero ? TimeSpan.Zero : left > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : left;
        runTimer = TickAfter(due, "run limit");
        try
        {
            await this.RegisterOrUpdateReminder(RunReminder, due < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : due, TimeSpan.FromMinutes(1));
        }
        catch (Exception ex)
        {
            // The timer holds while this activation lives; the next tick sets the reminder again.
            logger.LogWarning(ex, "Task {TaskId} could not set its run limit reminder", TaskId);
        }
    }

    private async Task DisarmRunLimit()
    {
        runTimer?.Dispose();
        runTimer = null;
        try
        {
            if (await this.GetReminder(RunReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex)
        {
            // A reminder left behind finds no run to time and goes at its next tick.
            logger.LogWarning(ex, "Task {TaskId} could not drop its run limit reminder", TaskId);
        }
    }

    private async Task Queue(VGpuTaskStatus status, bool sameGeneration = false)
    {
        // The home is recorded, so a scheduler that lost its queue finds this task in the catalogue by it.
        var home = await HomeOf(status.Spec);
        var next = sameGeneration ? status with { QueuedIn = home, RetryAt = null } : Pending(status, home);
        await Change(next);

        // Before queuing: a queuing that throws (its scheduler's silo died) leaves the task Pending, and only the reminder queues it again.
        await KeepQueueReminder();
        var decision = await SchedulerOf(home).Enqueue(AsQueued(next));
        if (decision.Unplaceable)
        {
            // Failed in the same call that queued it (the reminder finds it ended and goes).
            await OnUnplaceable(next.Generation, decision.Reason);
        }
    }

    /// <summary>
    /// A new task's first queuing. Nothing is written until its scheduler has decided, so a task placed or failed at once
    /// is written once (Placing or Failed) instead of Pending first. A silo lost before that write leaves no task: the
    /// submit failed, and a placement made meanwhile is given back when OnPlaced finds none (or, should that message be
    /// lost too, let go by its node once no task claims it: <see cref="ReservationClaim"/>). A task left queued is written
    /// Pending and then its scheduler told so (Keep, one-way): an activation other than the one that queued it, which may
    /// have read the catalogue before that write, queues it.
    /// </summary>
    private async Task QueueNew(VGpuTaskStatus status)
    {
        var home = await HomeOf(status.Spec);
        var next = Pending(status, home);
        var queued = AsQueued(next);
        var decision = await SchedulerOf(home).Enqueue(queued);
        if (decision.Unplaceable)
        {
            await End(TaskState.Failed, decision.Reason, next);
            return;
        }

        if (decision.Placement is { } placement)
        {
            await Change(Placing(next, placement));
            startOwed = next.Generation;
        }
        else
        {
            await Change(next);
            if (decision.Epoch != 0)
            {
                await SchedulerOf(home).Keep(queued, decision.Epoch);
            }
        }

        await KeepQueueReminder();
    }

    /// <summary>The status queued anew in <paramref name="home"/>: Pending under the next generation, holding nothing.</summary>
    private static VGpuTaskStatus Pending(VGpuTaskStatus status, string? home) =>
        status with { State = TaskState.Pending, Generation = status.Generation + 1, Placement = null, PlacedAt = null, StartedAt = null, QueuedIn = home };

    private QueuedTask AsQueued(VGpuTaskStatus status) => new(TaskId, status.Generation, status.Spec, status.SubmittedAt, status.Borrowed, status.GangWaits);

    /// <summary>Queues a pending task again under its generation (idempotent): its scheduler may have lost it.</summary>
    private async Task Requeue(VGpuTaskStatus pending)
    {
        var decision = await SchedulerOf(pending.QueuedIn ?? await HomeOf(pending.Spec)).Enqueue(AsQueued(pending));
        if (decision.Unplaceable)
        {
            await OnUnplaceable(pending.Generation, decision.Reason);
        }
    }

    /// <summary>The durable reminder that re-queues a pending task whose scheduler died; a failure to set it is not the task's.</summary>
    private async Task KeepQueueReminder()
    {
        if (!options.Value.QueueRecovery)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(QueueReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception ex)
        {
            // Right after a silo dies the reminder service may be rebalancing; the task is queued, and a retried submit sets it again.
            logger.LogWarning(ex, "Task {TaskId} could not set its queue reminder", TaskId);
        }
    }

    /// <summary>The data centre whose scheduler queues the task: its pin or preference, else the pool's choice by room.</summary>
    private async Task<string> HomeOf(TaskSpec spec)
    {
        var request = PlacementRequest.From(spec);
        if (request.DataCenter is not null || request.PreferredDataCenter is not null)
        {
            return DataCenterRoute.Home(request, [], options.Value.DefaultDataCenter);
        }

        var dataCenters = await dataCenterSummaries.Get();
        return spec.Gang is { } gang
            ? DataCenterRoute.GangHome(spec.Tenant, gang, dataCenters, options.Value.DefaultDataCenter)
            : DataCenterRoute.Home(request, dataCenters, options.Value.DefaultDataCenter);
    }

    private async Task OpenWindow(VGpuTaskStatus status)
    {
        logger.LogInformation("Task {TaskId} window {Occurrence} opens", TaskId, status.Occurrence + 1);
        if (record.State.WindowPaused && status.Placement is { } placement)
        {
            // Still window-paused until the resume went through: a failed resume is tried again at the next tick.
            await GrainFactory.Grain<INodeGrain>(placement.NodeId).HoldTask(TaskId, status.Generation, WindowHold, paused: false);
            record.State.WindowPaused = false;

            // An operator's pause outlasts the window's: it stays paused until resumed.
            await Change(record.State.OperatorPaused
                ? status with { Occurrence = status.Occurrence + 1 }
                : Resumed(status, time.GetUtcNow()) with { State = TaskState.Running, Occurrence = status.Occurrence + 1 });
            return;
        }

        // Admitted again for each window: between windows it held nothing.
        var admission = await TenantOf(status.Spec).Admit(TaskId, status.Spec.Resources, status.Spec.Priority.Class, wait: true, mayBorrow: TenantLedger.MayBorrow(status.Spec));
        if (admission.Outcome == AdmitOutcome.Refused)
        {
            await Disarm();
            await End(TaskState.Failed, string.Join("; ", admission.Errors));
            return;
        }

        if (admission.Outcome == AdmitOutcome.Waiting)
        {
            // In its tenant's line until admitted (OnAdmitted) or until the window closes.
            logger.LogInformation("Task {TaskId} waits for its tenant's quota in its window: {Why}", TaskId, string.Join("; ", admission.Errors));
            await Change(status with { State = TaskState.Pending, QuotaWait = string.Join("; ", admission.Errors) });
            await KeepQueueReminder();
            return;
        }

        await Queue(status with { Occurrence = status.Occurrence + 1, Borrowed = admission.Outcome == AdmitOutcome.Borrowed });
    }

    private async Task CloseWindow(VGpuTaskStatus status, ScheduleSpec schedule, DateTimeOffset now)
    {
        logger.LogInformation("Task {TaskId} window {Occurrence} closes ({Policy})", TaskId, status.Occurrence, schedule.OnClose);
        if (schedule.OnClose == WindowClosePolicy.Pause && status.State.HoldsCapacity() && status.Placement is { } placement)
        {
            await GrainFactory.Grain<INodeGrain>(placement.NodeId).HoldTask(TaskId, status.Generation, WindowHold, paused: true);
            record.State.WindowPaused = true;
            var paused = status.State == TaskState.Suspended
                ? status
                : status with { SuspendCount = status.SuspendCount + 1, SuspendedSince = now };
            await Change(paused with { State = TaskState.Suspended });
            await NextWindow(now, first: false, keepState: true);
            return;
        }

        await StopRun(status);
        await NextWindow(now, first: false, from: Resumed(Status!, now) with { State = TaskState.Scheduled, Placement = null, QuotaWait = null, Borrowed = false });
    }

    /// <summary>Ends whatever run is under way: dequeues it, or stops it and frees its capacity.</summary>
    private async Task StopRun(VGpuTaskStatus status)
    {
        if (status is { State: TaskState.Pending, QuotaWait: null })
        {
            // If the scheduler placed it meanwhile, OnPlaced arrives later, sees the new state and frees the reservation.
            await SchedulerOf(status.QueuedIn ?? options.Value.DefaultDataCenter).Dequeue(TaskId);
        }
        else if (status.State.HoldsCapacity() && status.Placement is { } placement)
        {
            var node = GrainFactory.Grain<INodeGrain>(placement.NodeId);
            try
            {
                await node.StopTask(TaskId, status.Generation);
            }
            catch (Exception ex)
            {
                // The capacity is still freed: a daemon that comes back reconciles away the orphan.
                logger.LogWarning(ex, "Stopping task {TaskId} on {NodeId} failed", TaskId, placement.NodeId);
            }

            await node.Release(TaskId, status.Generation);
        }

        record.State.WindowPaused = false;
    }

    /// <summary>Moves a scheduled task to its next window (or ends it after its last), opening at once if now is inside one.</summary>
    private async Task NextWindow(DateTimeOffset now, bool first, bool keepState = false, VGpuTaskStatus? from = null)
    {
        var status = from ?? Status!;
        var schedule = status.Spec.Schedule!;
        var windows = ScheduleWindows.Create(schedule);
        if (schedule.Occurrences is { } max && status.Occurrence >= max)
        {
            await StopRun(status);
            await Disarm();
            await End(TaskState.Completed, $"all {max} windows done", status);
            return;
        }

        var window = (first ? windows.Current(now) : null) ?? windows.Next(first ? now : status.WindowOpensAt ?? now);
        while (window is { } w && w.Close <= now)
        {
            // Windows that passed unseen (the silo was down) are skipped, not run late.
            window = windows.Next(w.Open);
        }

        if (window is null)
        {
            await Disarm();
            await End(TaskState.Completed, "no more windows", status);
            return;
        }

        var (open, close) = window.Value;
        await Change(status with { WindowOpensAt = open, WindowClosesAt = close, State = keepState ? status.State : TaskState.Scheduled, QuotaWait = null, Borrowed = keepState && status.Borrowed });
        if (open <= now)
        {
            await OpenWindow(Status!);
        }
        else if (!keepState)
        {
            // Asleep until then: its charge, or its place in its tenant's line, goes.
            await ReleaseQuota(Status!);
        }

        await Arm();
    }

    /// <summary>Sets the timer (exact moment, Orion clock) and the reminder (durable) for the next window edge.</summary>
    private async Task Arm()
    {
        windowTimer?.Dispose();
        windowTimer = null;
        var status = Status;
        if (status?.Spec.Schedule is null || status.State.IsTerminal())
        {
            return;
        }

        var edge = status.State == TaskState.Scheduled || record.State.WindowPaused ? status.WindowOpensAt : status.WindowClosesAt;
        if (edge is not { } at)
        {
            return;
        }

        // Far edges are approached a day at a time (timers take at most ~49 days); each tick re-arms.
        var due = at - time.GetUtcNow();
        due = due > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : due;
        windowTimer = TickAfter(due, "window");
        await this.RegisterOrUpdateReminder(WindowReminder, due < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : due, TimeSpan.FromMinutes(1));
    }

    /// <summary>A one-shot timer on the Orion clock that calls <see cref="OnScheduleTick"/> through the grain (a turn of its own).</summary>
    private ITimer TickAfter(TimeSpan due, string what)
    {
        var self = this.AsReference<IVGpuTaskGrain>();
        return time.CreateTimer(
            _ => self.OnScheduleTick().ContinueWith(t => logger.LogWarning(t.Exception, "The {What} tick of {TaskId} failed", what, TaskId), TaskContinuationOptions.OnlyOnFaulted),
            null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private async Task Disarm()
    {
        windowTimer?.Dispose();
        windowTimer = null;
        if (Status?.Spec.Schedule is not null && await this.GetReminder(WindowReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>A run stopped to be queued again (evicted, restarted): its pause time closed, nothing left on its cards, and why.</summary>
    private VGpuTaskStatus StoppedRun(VGpuTaskStatus status, string reason) =>
        Resumed(status, time.GetUtcNow()) with { ExitReason = reason, ResidentMiB = 0, HostMiB = 0, Ready = null, NotReadyBecause = null, ReadySince = null };

    private static VGpuTaskStatus Resumed(VGpuTaskStatus status, DateTimeOffset at) =>
        status.SuspendedSince is { } since
            ? status with { SuspendedFor = status.SuspendedFor + (at > since ? at - since : TimeSpan.Zero), SuspendedSince = null }
            : status;

    private async Task End(TaskState state, string reason, VGpuTaskStatus? from = null, bool byGang = false)
    {
        logger.LogInformation("Task {TaskId} {State}: {Reason}", TaskId, state, reason);
        var ended = Resumed(from ?? Status!, time.GetUtcNow()) with { State = state, EndedAt = time.GetUtcNow(), ExitReason = reason, ResidentMiB = 0, HostMiB = 0, Awaiting = null, HeldBy = null, Ready = null, NotReadyBecause = null, ReadySince = null };
        record.State.OperatorPaused = false;
        await Change(ended);
        await ReleaseQuota(ended);
        if (ended.Spec.MaxRuntime is not null)
        {
            await DisarmRunLimit();
        }

        // A deployment's replica: its deployment replaces it now, not at its next look (one-way: it may be the one
        // cancelling this task).
        if (ended.Spec.Labels?.TryGetValue(DeploymentRules.DeploymentLabel, out var deployment) == true && DeploymentRules.IsValidName(deployment))
        {
            await GrainFactory.Grain<IDeploymentGrain>(deployment).OnReplicaEnded(TaskId);
        }

        // The tasks that run after it go on, or are cancelled (one-way: each settles in its own turn).
        foreach (var dependent in record.State.Dependents ?? [])
        {
            await GrainFactory.Grain<IVGpuTaskGrain>(dependent).OnAwaitedEnded(TaskId, state, reason);
        }

        if (!byGang && state is (TaskState.Failed or TaskState.Cancelled) && ended.Placement is { Gang.IsEmpty: false } placement)
        {
            // The rest of the gang would wait on this member forever (a collective never completes): they end too.
            foreach (var member in placement.Gang)
            {
                await GrainFactory.Grain<IVGpuTaskGrain>(member).OnGangEnded(TaskId, state, reason);
            }
        }
    }

    public async Task OnGangEnded(string memberId, TaskState state, string reason)
    {
        var status = Status;
        if (status is not { Spec.Gang: { } gang } || status.State.IsTerminal() || state is not (TaskState.Failed or TaskState.Cancelled))
        {
            return;
        }

        logger.LogInformation("Task {TaskId} ends with gang {Gang}: member {MemberId} {State}", TaskId, gang.Name, memberId, state);
        await StopRun(status);
        await Disarm();
        await End(state, $"gang {gang.Name}: member {memberId} {state.ToString().ToLowerInvariant()}: {reason}", byGang: true);
    }

    /// <summary>Tells the task's tenant it holds nothing now (ended, or asleep between windows).</summary>
    private async Task ReleaseQuota(VGpuTaskStatus status)
    {
        try
        {
            await TenantOf(status.Spec).Release(TaskId);
        }
        catch (Exception ex)
        {
            // Its tenant rechecks its charges before refusing anyone, so a lost release costs no admission.
            logger.LogWarning(ex, "Task {TaskId} could not tell its tenant it holds nothing", TaskId);
        }
    }

    private async Task Change(VGpuTaskStatus next)
    {
        // This write carries any flips still waiting for theirs.
        flushTimer?.Dispose();
        flushTimer = null;
        var before = record.State.Status;
        var now = time.GetUtcNow();
        (DateTimeOffset From, DateTimeOffset To, string? DataCenter)? ran = null;
        if (before is { Placement: { } held, PlacedAt: { } placedAt } && before.State.HoldsCapacity() && (!next.State.HoldsCapacity() || next.Generation != before.Generation))
        {
            // A run let go of its capacity: what it held joins the task's totals, and its tenant's meter hears of it.
            var (card, memory) = UsageBook.Of(held, now - placedAt);
            var runs = (next.PastRuns ?? []).Add(new PastRun(before.Generation, held.NodeId, held.GpuIds, placedAt, before.StartedAt, now, next.ExitReason));
            next = next with
            {
                CardSeconds = next.CardSeconds + card, MemoryMiBSeconds = next.MemoryMiBSeconds + memory, Runs = next.Runs + 1, HeldBy = null,
                PastRuns = runs.Count > PastRun.Kept ? runs.RemoveRange(0, runs.Count - PastRun.Kept) : runs,
            };
            ran = (placedAt, now, held.DataCenter);

            // An operator's pause was of that run: the next one starts free.
            record.State.OperatorPaused = false;
        }
        else if (next.State.IsTerminal() && before is { Runs: > 0 } && !before.State.IsTerminal())
        {
            // Ended between runs: the meter lets go of it.
            ran = (now, now, null);
        }

        next = Apply(next);
        var ends = next.State.IsTerminal() && before?.State.IsTerminal() != true;

        // A run starts: running now, and not the same run resumed after a pause.
        var starts = next.State == TaskState.Running && !(before is { State: TaskState.Running or TaskState.Suspended } && before.Generation == next.Generation);
        var notifying = next.Spec.Notify is not null && (ends || (starts && next.Spec.NotifyOnStart));
        var notifyDue = (record.State.NotifyDue, record.State.NotifyDueState);
        if (notifying)
        {
            // Due with the change itself, so a silo that dies before the receiver takes it leaves it to send again (an end
            // replaces a start not yet taken: the receiver hears the latest).
            (record.State.NotifyDue, record.State.NotifyDueState) = (next.Generation, next.State);
        }

        try
        {
            await record.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // Storage down: memory must not run ahead of storage, or a retry (the daemon's exit report, a client's submit)
            // would find the change done and answer OK while storage keeps the old state. The next call reloads.
            logger.LogWarning(ex, "Task {TaskId} could not write {State}: reloading from storage at its next call", TaskId, next.State);
            record.State.Status = before;
            (record.State.NotifyDue, record.State.NotifyDueState) = notifyDue;
            DeactivateOnIdle();
            throw;
        }

        Signal();
        await GrainFactory.Grain<ITaskCatalogGrain>(GrainKeys.Pool).Publish(next);
        if (ran is { } run)
        {
            await ReportUsage(next, run.From, run.To, run.DataCenter);
        }

        if (notifying)
        {
            await KeepNotifyReminder();
            Notify(next);
        }

        if (ends)
        {
            await KeepForgetReminder();
        }
    }

    /// <summary>Sends <paramref name="status"/> (an end, or a start) to its notify URL, off the grain's turn; taken, it is no longer due.</summary>
    private void Notify(VGpuTaskStatus status)
    {
        if (sending is { IsCompleted: false } && sendingState == status.State)
        {
            return;
        }

        var self = this.AsReference<IVGpuTaskGrain>();
        sendingState = status.State;
        sending = notifier.Send(status).ContinueWith(
            sent => sent.Result ? self.OnNotified(status.Generation, status.State) : Task.CompletedTask, TaskScheduler.Default).Unwrap();
        sending.Ignore();
    }

    public async Task OnNotified(long generation, TaskState state)
    {
        if (record.State.NotifyDue != generation || record.State.NotifyDueState != state)
        {
            // A later change is due now (an end after its start): that one is still to send.
            return;
        }

        (record.State.NotifyDue, record.State.NotifyDueState) = (null, null);
        try
        {
            await record.WriteStateAsync();
        }
        catch
        {
            // Still due in storage: sent again at the reminder (at least once, never lost).
            (record.State.NotifyDue, record.State.NotifyDueState) = (generation, state);
            throw;
        }

        await Unregister(NotifyReminder);
    }

    /// <summary>A minute's reminder while an end is due at its notify URL, so it is sent again after a silo's death too.</summary>
    private async Task KeepNotifyReminder()
    {
        try
        {
            await this.RegisterOrUpdateReminder(NotifyReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception ex)
        {
            // Sent now either way; only a retry after this activation is lost.
            logger.LogWarning(ex, "Task {TaskId} could not register the reminder that sends its notification again", TaskId);
        }
    }

    /// <summary>The reminder: the end still due is sent again, or given up once <see cref="Notifications.NotifyOptions.RetryFor"/> has passed.</summary>
    private async Task NotifyIfDue()
    {
        if (record.State is not { NotifyDue: { } due, NotifyDueState: { } dueState } || Status is not { } status || status.Generation != due
            || (dueState.IsTerminal() ? status.State != dueState : status.State.IsTerminal()))
        {
            // Taken, or submitted anew under the id since.
            await Unregister(NotifyReminder);
            return;
        }

        if (time.GetUtcNow() - (status.EndedAt ?? status.StartedAt ?? status.SubmittedAt) > notify.Value.RetryFor)
        {
            logger.LogWarning("Task {TaskId}'s notification was given up: not taken within {RetryFor} of its {State}", TaskId, notify.Value.RetryFor, dueState);
            Notifications.TaskNotifier.GiveUp();
            (record.State.NotifyDue, record.State.NotifyDueState) = (null, null);
            await record.WriteStateAsync();
            await Unregister(NotifyReminder);
            return;
        }

        // A start is sent as the start it was (paused since or not).
        Notify(status with { State = dueState });
    }

    /// <summary>An ended task is forgotten after <see cref="PoolOptions.EndedTaskRetention"/>: a reminder brings it back then.</summary>
    private async Task KeepForgetReminder()
    {
        var keep = options.Value.EndedTaskRetention;
        if (keep <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(ForgetReminder, keep, TimeSpan.FromHours(1));
        }
        catch (Exception ex)
        {
            // The task has ended either way; its record is only kept longer (until a later end registers one again).
            logger.LogWarning(ex, "Task {TaskId} could not register the reminder that forgets it after {Retention}", TaskId, keep);
        }
    }

    /// <summary>
    /// Ended longer ago than the retention: its record is cleared from storage, its reminders dropped and the catalogue
    /// told, so the id is free and storage holds only the recent past. Usage it has not yet told its meter waits.
    /// </summary>
    private async Task ForgetIfDue()
    {
        var keep = options.Value.EndedTaskRetention;
        if (Status is not { State: var state, EndedAt: { } ended } || !state.IsTerminal())
        {
            // Submitted anew under the id since: the reminder was the ended task's.
            await Unregister(ForgetReminder);
            return;
        }

        if (keep <= TimeSpan.Zero || time.GetUtcNow() - ended < keep || record.State.UnreportedTo is not null)
        {
            return;
        }

        logger.LogInformation("Task {TaskId} ended at {EndedAt}, more than {Retention} ago: forgotten", TaskId, ended, keep);
        await record.ClearStateAsync();
        foreach (var name in new[] { QueueReminder, WindowReminder, RunReminder, ForgetReminder, NotifyReminder })
        {
            await Unregister(name);
        }

        GrainFactory.Grain<ITaskCatalogGrain>(GrainKeys.Pool).Forget(TaskId).Ignore();
        DeactivateOnIdle();
    }

    private async Task Unregister(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Tells its tenant's meter what the task has held so far; a failure is told again at the reminder.</summary>
    private async Task<bool> ReportUsage(VGpuTaskStatus status, DateTimeOffset from, DateTimeOffset to, string? dataCenter)
    {
        try
        {
            await GrainFactory.Grain<ITenantMeterGrain>(status.Spec.Tenant)
                .Meter(new UsageReport(TaskId, from, to, status.CardSeconds, status.MemoryMiBSeconds, status.Runs, status.State.IsTerminal(), status.Spec.Labels, dataCenter));
            if (record.State.UnreportedTo is not null)
            {
                (record.State.UnreportedFrom, record.State.UnreportedTo, record.State.UnreportedDataCenter) = (null, null, null);
                await record.WriteStateAsync();
            }

            return true;
        }
        catch (Exception ex)
        {
            // Its totals go with the next report anyway; an ended task has none, so the reminder tells them.
            logger.LogWarning(ex, "Task {TaskId} could not report its usage to its tenant's meter", TaskId);
            // Runs unreported one after another are told as one, in the data centre of the last that had one.
            (record.State.UnreportedFrom, record.State.UnreportedTo) = (record.State.UnreportedFrom ?? from, to);
            record.State.UnreportedDataCenter = dataCenter ?? record.State.UnreportedDataCenter;
            try
            {
                await record.WriteStateAsync();
            }
            catch (Exception write)
            {
                logger.LogWarning(write, "Task {TaskId} could not keep its unreported usage", TaskId);
            }

            await KeepQueueReminder();
            return false;
        }
    }

    /// <summary>A pause or resume: watchers see it now; the write and the catalogue push follow within <see cref="PoolOptions.SuspensionFlushDelay"/>.</summary>
    private void ChangeSoon(VGpuTaskStatus next)
    {
        Apply(next);
        Signal();
        flushTimer ??= this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(options.Value.SuspensionFlushDelay, Timeout.InfiniteTimeSpan));
    }

    private async Task Flush()
    {
        flushTimer?.Dispose();
        flushTimer = null;
        await record.WriteStateAsync();
        await GrainFactory.Grain<ITaskCatalogGrain>(GrainKeys.Pool).Publish(Status!);
    }

    private VGpuTaskStatus Apply(VGpuTaskStatus next)
    {
        next = next with { Version = (Status?.Version ?? 0) + 1 };
        record.State.Status = next;
        return next;
    }

    private void Signal()
    {
        var woken = changed;
        changed = NewSignal();
        woken.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
