using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>A read model of task statuses for listing; each task grain pushes its newer versions.</summary>
[KeepAlive]
public sealed class TaskCatalogGrain(IOptions<PoolOptions> options) : Grain, ITaskCatalogGrain
{
    private readonly Dictionary<string, VGpuTaskStatus> tasks = new(StringComparer.Ordinal);
    private readonly Queue<string> endedOrder = new();

    public Task Publish(VGpuTaskStatus status)
    {
        if (tasks.TryGetValue(status.TaskId, out var known) && known.Version >= status.Version)
        {
            return Task.CompletedTask;
        }

        tasks[status.TaskId] = status;
        if (status.State.IsTerminal() && (known is null || !known.State.IsTerminal()))
        {
            endedOrder.Enqueue(status.TaskId);
            while (endedOrder.Count > options.Value.CatalogRetention && endedOrder.TryDequeue(out var old))
            {
                tasks.Remove(old);
            }
        }

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

        return Task.FromResult(q.OrderByDescending(t => t.SubmittedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal)
            .Take(Math.Max(0, query.Limit)).ToImmutableArray());
    }
}
