using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orion.Contracts;
using Orion.Grains.Monitoring;

namespace Orion.Grains;

/// <summary>
/// Keeps the feed of recent pool events for the pool page, the API and the CLI, and hands those an operator is told of to
/// the event hook (<see cref="Notifications.PoolEventHook"/>). Soft state: lost on deactivation.
/// </summary>
[KeepAlive]
public sealed class PoolEventsGrain([FromKeyedServices(OrionClock.Key)] TimeProvider time, Notifications.PoolEventHook hook) : Grain, IPoolEventsGrain
{
    private readonly EventLog log = new(PoolEvent.FeedCapacity, time.GetUtcNow().ToUnixTimeMilliseconds() * 1000);

    public Task Publish(string kind, string taskId, string where, string detail, long bytes)
    {
        hook.Offer(log.Add(time.GetUtcNow(), kind, taskId, where, detail, bytes));
        return Task.CompletedTask;
    }

    public Task PublishAll(ImmutableArray<PoolEventNote> events)
    {
        var now = time.GetUtcNow();
        foreach (var e in events)
        {
            hook.Offer(log.Add(now, e.Kind, e.TaskId, e.Where, e.Detail, e.Bytes));
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<PoolEvent>> Since(long afterSequence, int max) => Task.FromResult(log.Since(afterSequence, max));
}
