using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>The feed of recent placements, preemptions, swaps and quota decisions (in memory, the newest <see cref="PoolEvent.FeedCapacity"/>). Key: <see cref="GrainKeys.Pool"/>.</summary>
[Alias("orion.IPoolEventsGrain")]
public interface IPoolEventsGrain : IGrainWithStringKey
{
    /// <summary>Adds an event; the feed numbers and timestamps it. One-way so publishers never wait on the feed.</summary>
    [Access(Callers.None)]
    [Alias("Publish"), OneWay]
    Task Publish(string kind, string taskId, string where, string detail, long bytes);

    /// <summary>Adds events in order (a scheduler's round of placements in one message); one-way.</summary>
    [Access(Callers.None)]
    [Alias("PublishAll"), OneWay]
    Task PublishAll(ImmutableArray<PoolEventNote> events);

    /// <summary>Events after <paramref name="afterSequence"/>, oldest first, at most <paramref name="max"/> (the newest ones).</summary>
    [Access(Callers.Anyone)]
    [Alias("Since"), ReadOnly]
    Task<ImmutableArray<PoolEvent>> Since(long afterSequence, int max);
}
