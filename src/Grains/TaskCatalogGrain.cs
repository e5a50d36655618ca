using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// A read model of task statuses for listing; each task grain pushes its newer versions. It lives in memory, with the ids
/// of its live tasks written now and then (<see cref="PoolOptions.CatalogCheckpointInterval"/>) so an activation after its
/// silo died lists them again at once: a task that runs for days pushes nothing new.
/// </summary>
[KeepAlive]
public sealed class TaskCatalogGrain(
    [PersistentState("catalogue", PoolOptions.StorageName)] IPersistentState<TaskCatalogCheckpoint> checkpoint,
    IOptions<PoolOptions> options,
    ILogger<TaskCatalogGrain> logger) : Grain, ITaskCatalogGrain
{
    // Asked again in groups of this many after a fresh activation, so a large pool's recovery does not flood the silo at once.
    private const int RecoveryBatch = 256;

    private readonly Dictionary<string, VGpuTaskStatus> tasks = new(StringComparer.Ordinal);
    private readonly Queue<string> endedOrder = new();
    private readonly HashSet<string> live = new(StringComparer.Ordinal);
    private bool liveChanged;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.CatalogCheckpointInterval;
        this.RegisterGrainTimer(WriteCheckpoint, new GrainTimerCreationOptions(every, every));

        // Not awaited: listing and pushes go on while the last activation's live tasks are asked again.
        _ = Recover([.. checkpoint.State.Live]);
        return Task.CompletedTask;
    }

    // A lone silo without durable state (the embedded default) is stopping with its in-memory storage: a last write has
    // nowhere to go, and Orleans logs the failed placement of the storage grain as errors on every stop.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !options.Value.QueueRecovery ? Task.CompletedTask : WriteCheckpoint();

    public Task Publish(VGpuTaskStatus status)
    {
        Take(status);
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<VGpuTaskStatus>> List(TaskQuery query)
    {
        IEnumerable<VGpuTaskStatus> q = tasks.Values;
        if (query.Tenant is not null)
        {
            q = q.Where(t => string.Equals(t.Spec.Tenant, query.Tenant, StringComparison.Ordinal));
        }

        if (query.QueuedIn is not null)
        {
            q = q.Where(t => string.Equals(t.QueuedIn, query.QueuedIn, StringComparison.Ordinal));
        }

        if (query.State is { } state)
        {
            q = q.Where(t => t.State == state);
        }

        if (query.Labels is { Count: > 0 } labels)
        {
            q = q.Where(t => NodeLabels.Match(t.Spec.Labels, labels));
        }

        return Task.FromResult(q.OrderByDescending(t => t.SubmittedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal)
            .Take(Math.Max(0, query.Limit)).ToImmutableArray());
    }

    public Task Forget(string taskId)
    {
        // Only an ended one: a task submitted anew under the id since is another's.
        if (tasks.TryGetValue(taskId, out var known) && known.State.IsTerminal())
        {
            tasks.Remove(taskId);
        }

        return Task.CompletedTask;
    }

    private void Take(VGpuTaskStatus status)
    {
        if (tasks.TryGetValue(status.TaskId, out var known) && known.Version >= status.Version)
        {
            return;
        }

        tasks[status.TaskId] = status;
        liveChanged |= status.State.IsTerminal() ? live.Remove(status.TaskId) : live.Add(status.TaskId);
        if (status.State.IsTerminal() && (known is null || !known.State.IsTerminal()))
        {
            endedOrder.Enqueue(status.TaskId);
            while (endedOrder.Count > options.Value.CatalogRetention && endedOrder.TryDequeue(out var old))
            {
                // Not one submitted anew under a forgotten task's id since.
                if (tasks.TryGetValue(old, out var oldest) && oldest.State.IsTerminal())
                {
                    tasks.Remove(old);
                }
            }
        }
    }

    /// <summary>Asks the tasks the last activation knew live for their status, those not pushed here meanwhile.</summary>
    private async Task Recover(List<string> ids)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var listed = 0;
        try
        {
            foreach (var batch in ids.Chunk(RecoveryBatch))
            {
                var statuses = await Task.WhenAll(batch.Where(id => !tasks.ContainsKey(id)).Select(id => GrainFactory.Grain<IVGpuTaskGrain>(id).PeekStatus()));
                foreach (var status in statuses)
                {
                    if (status is not null)
                    {
                        Take(status);
                        listed++;
                    }
                }
            }

            logger.LogInformation("Task catalogue activated: {Listed} of the {Live} tasks its last activation knew live listed again", listed, ids.Count);
        }
        catch (Exception ex)
        {
            // The rest are listed at their next change, as before the checkpoint.
            logger.LogWarning(ex, "Task catalogue could not ask all {Live} tasks its last activation knew live ({Listed} listed)", ids.Count, listed);
        }
    }

    private async Task WriteCheckpoint()
    {
        if (!liveChanged)
        {
            return;
        }

        liveChanged = false;
        checkpoint.State.Live = [.. live];
        try
        {
            await checkpoint.WriteStateAsync();
        }
        catch (Exception ex)
        {
            liveChanged = true;
            logger.LogWarning(ex, "Task catalogue could not write its {Live} live task ids; it tries again", live.Count);
        }
    }
}
