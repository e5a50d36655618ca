using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orleans.Runtime;

namespace Orion.Grains;

/// <summary>
/// Owns one task's spec, state, placement and generation. Every change bumps the version, is persisted,
/// wakes watchers and is pushed to the catalogue.
/// </summary>
public sealed class VGpuTaskGrain(
    [PersistentState("task", PoolOptions.StorageName)] IPersistentState<VGpuTaskRecord> record,
    TimeProvider time,
    ILogger<VGpuTaskGrain> logger) : Grain, IVGpuTaskGrain
{
    private TaskCompletionSource changed = NewSignal();

    private string TaskId => this.GetPrimaryKeyString();

    private VGpuTaskStatus? Status => record.State.Status;

    public async Task<SubmitResult> Submit(TaskSpec spec)
    {
        if (Status is { } existing)
        {
            return SpecIdentity.Same(existing.Spec, spec)
                ? SubmitResult.Ok(existing)
                : SubmitResult.Rejected([new ValidationError("taskId", $"'{TaskId}' is already used by another spec")]);
        }

        var errors = SpecValidator.Validate(spec);
        if (!errors.IsEmpty)
        {
            return SubmitResult.Rejected(errors);
        }

        var now = time.GetUtcNow();
        var status = new VGpuTaskStatus(TaskId, spec, TaskState.Pending, null, 1, now, null, null, null, null, 0);
        await Change(status);
        logger.LogInformation("Task {TaskId} ({Name}, {Tenant}, {Priority}) submitted", TaskId, spec.Name, spec.Tenant, spec.Priority);
        await Scheduler.Enqueue(new QueuedTask(TaskId, status.Generation, spec, now));
        return SubmitResult.Ok(Status!);
    }

    public Task<VGpuTaskStatus?> GetStatus() => Task.FromResult(Status);

    public async Task<VGpuTaskStatus?> Cancel(string reason)
    {
        var status = Status;
        if (status is null || status.State.IsTerminal())
        {
            return status;
        }

        if (status.State == TaskState.Pending)
        {
            // If the scheduler placed it meanwhile, OnPlaced arrives later, sees Cancelled and frees the reservation.
            await Scheduler.Dequeue(TaskId);
        }
        else if (status.Placement is { } placement)
        {
            var node = GrainFactory.GetGrain<INodeGrain>(placement.NodeId);
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

        await End(TaskState.Cancelled, string.IsNullOrWhiteSpace(reason) ? "cancelled" : reason);
        return Status;
    }

    public async Task<VGpuTaskStatus?> WaitForChange(long afterVersion, TimeSpan timeout)
    {
        if (Status is null || Status.Version > afterVersion || Status.State.IsTerminal())
        {
            return Status;
        }

        var signal = changed.Task;
        await Task.WhenAny(signal, Task.Delay(timeout));
        return Status;
    }

    public async Task OnPlaced(long generation, TaskPlacement placement)
    {
        var status = Status;
        if (status is null || status.Generation != generation || status.State != TaskState.Pending)
        {
            // A stale or late placement: give the capacity straight back.
            await GrainFactory.GetGrain<INodeGrain>(placement.NodeId).Release(TaskId, generation);
            return;
        }

        await Change(status with { State = TaskState.Placing, Placement = placement, PlacedAt = time.GetUtcNow() });
        var launch = new TaskLaunch(TaskId, generation, placement.GpuIds, placement.ComputeMilli, placement.GpuMemoryMiB, status.Spec.Workload);
        try
        {
            await GrainFactory.GetGrain<INodeGrain>(placement.NodeId).StartTask(launch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId} could not start on {NodeId}", TaskId, placement.NodeId);
            await GrainFactory.GetGrain<INodeGrain>(placement.NodeId).Release(TaskId, generation);
            await End(TaskState.Failed, $"start failed: {ex.Message}");
        }
    }

    public async Task OnStarted(long generation)
    {
        if (Status is { State: TaskState.Placing } status && status.Generation == generation)
        {
            await Change(status with { State = TaskState.Running, StartedAt = time.GetUtcNow() });
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
        await GrainFactory.GetGrain<INodeGrain>(status.Placement!.NodeId).Release(TaskId, exit.Generation);
        await End(exit.Succeeded ? TaskState.Completed : TaskState.Failed, exit.Reason);
    }

    private ISchedulerGrain Scheduler => GrainFactory.GetGrain<ISchedulerGrain>(GrainKeys.Pool);

    private Task End(TaskState state, string reason)
    {
        logger.LogInformation("Task {TaskId} {State}: {Reason}", TaskId, state, reason);
        return Change(Status! with { State = state, EndedAt = time.GetUtcNow(), ExitReason = reason });
    }

    private async Task Change(VGpuTaskStatus next)
    {
        next = next with { Version = (Status?.Version ?? 0) + 1 };
        record.State.Status = next;
        await record.WriteStateAsync();
        var woken = changed;
        changed = NewSignal();
        woken.TrySetResult();
        await GrainFactory.GetGrain<ITaskCatalogGrain>(GrainKeys.Pool).Publish(next);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
