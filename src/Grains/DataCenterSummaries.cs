using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// The pool's data centre summaries as this silo last heard them, asked for again once older than
/// <see cref="PoolOptions.DataCenterSummaryMaxAge"/>. Choosing a task's home needs a rough idea of where room is (the
/// summaries are a round old anyway, and a full home spills over), not a call to the one pool grain per submission.
/// </summary>
public sealed class DataCenterSummaries
{
    private readonly IGrainFactory grains;
    private readonly IOptions<PoolOptions> options;
    private readonly TimeProvider clock;
    private Heard? last;
    private Task<Heard>? asking;

    /// <summary>Ages the copy in real time, not on the Orion clock: a test's stopped clock must not freeze a cache.</summary>
    public DataCenterSummaries(IGrainFactory grains, IOptions<PoolOptions> options)
        : this(grains, options, TimeProvider.System)
    {
    }

    /// <summary>Ages the copy on <paramref name="clock"/>.</summary>
    public DataCenterSummaries(IGrainFactory grains, IOptions<PoolOptions> options, TimeProvider clock)
    {
        this.grains = grains;
        this.options = options;
        this.clock = clock;
    }

    /// <summary>The summaries, from this silo's copy while it is fresh enough.</summary>
    public async Task<ImmutableArray<DataCenterSummary>> Get()
    {
        var heard = Volatile.Read(ref last);
        // A pool with no node anywhere yet is not worth keeping: nodes are about to register.
        if (heard is not null && heard.Summaries.Any(d => d.Nodes > 0) && clock.GetElapsedTime(heard.At) < options.Value.DataCenterSummaryMaxAge)
        {
            return heard.Summaries;
        }

        // One question out at a time; callers meanwhile share its answer, and the first back lets the next one be asked.
        var pending = Volatile.Read(ref asking);
        if (pending is null)
        {
            var mine = Ask();
            pending = Interlocked.CompareExchange(ref asking, mine, null) ?? mine;
        }

        try
        {
            return (await pending).Summaries;
        }
        finally
        {
            _ = Interlocked.CompareExchange(ref asking, null, pending);
        }
    }

    private async Task<Heard> Ask()
    {
        var at = clock.GetTimestamp();
        var heard = new Heard(await grains.Grain<IPoolGrain>(GrainKeys.Pool).GetDataCenters(), at);
        Volatile.Write(ref last, heard);
        return heard;
    }

    private sealed record Heard(ImmutableArray<DataCenterSummary> Summaries, long At);
}
