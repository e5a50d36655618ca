using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>Why a task does not run yet, asked of the grains that know: its status, then its data centre's scheduler.</summary>
public static class WaitingReason
{
    /// <summary>
    /// For a task an operator holds, the reason given; for a Pending task the quota limit it waits on, or its scheduler's account of now; for a Scheduled one, when its
    /// window opens; for a Blocked one, the tasks it runs after still to end as it asks; for a running one its readiness
    /// probe does not pass yet, the probe's last failure; null for a task that is placed, running (and ready) or ended, or for none.
    /// </summary>
    public static async Task<string?> OfAsync(IGrainFactory grains, VGpuTaskStatus? status, CancellationToken cancellationToken = default) =>
        status switch
        {
            { State: TaskState.Pending or TaskState.Blocked, HeldBy: { } held } => $"held by an operator ({held}): queued only when resumed",
            { State: TaskState.Scheduled, HeldBy: { } held } => $"suspended by an operator ({held}): its windows pass unrun until resumed",
            { State: TaskState.Pending, QuotaWait: { } quota } => $"waiting for its tenant's quota: {quota}",
            { State: TaskState.Pending, RetryAt: { } retry } =>
                $"restart {status.Restarts} of {status.Spec.Restart?.MaxAttempts} waits out its backoff: queued again at {retry:u} (last run: {status.ExitReason})",
            { State: TaskState.Pending, QueuedIn: { } dc } =>
                await grains.Grain<ISchedulerGrain>(GrainKeys.Scheduler(dc)).WhyWaiting(status.TaskId).WaitAsync(cancellationToken)
                ?? $"on its way to data centre {dc}'s queue",
            { State: TaskState.Pending } => "on its way to its data centre's queue",
            { State: TaskState.Scheduled, WindowOpensAt: { } opens } => $"its next window opens at {opens:u}",
            { State: TaskState.Blocked, Awaiting: { } awaiting } =>
                $"waiting for {string.Join(", ", awaiting)} to {TaskAfter.Wanted(status.Spec.AfterCondition)} (it runs after {(awaiting.Count == 1 ? "it" : "them")})",
            { State: TaskState.Running or TaskState.Suspended, Ready: false } =>
                $"not ready: {status.NotReadyBecause ?? (status.Spec.Readiness is { } readiness
                    ? $"its readiness probe ({readiness.Target}) has not passed yet"
                    : $"its startup probe ({status.Spec.Startup?.Target}) has not passed yet")}",
            _ => null,
        };
}
