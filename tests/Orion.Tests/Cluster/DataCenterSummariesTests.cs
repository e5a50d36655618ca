using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orion.Contracts;
using Orion.Grains;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A silo's copy of the data centres' summaries: used while fresh, asked for again once old.</summary>
public sealed class DataCenterSummariesTests
{
    private static TaskSpec WholeCard() => Specs.Batch(computePercent: 100, gpuMemoryMiB: 0, items: 1, gpuMsPerItem: 3_600_000);

    [Fact]
    public async Task The_copy_is_used_until_it_is_older_than_the_max_age_then_the_pool_is_asked_again()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var poolGrain = pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool);
        await pool.EventuallyAsync(async () => Assert.Equal(2, (await poolGrain.GetDataCenters()).Single().IdleCards));
        var clock = new FakeTimeProvider();
        var summaries = new DataCenterSummaries(pool.Grains, Options.Create(new PoolOptions { DataCenterSummaryMaxAge = TimeSpan.FromSeconds(1) }), clock);
        Assert.Equal(2, (await summaries.Get()).Single().IdleCards);

        // A card gets busy: the pool knows, the copy does not until it is a second old.
        await pool.SubmitAsync(WholeCard(), "busy");
        await pool.WaitForAsync("busy", TaskState.Running);
        await pool.EventuallyAsync(async () => Assert.Equal(1, (await poolGrain.GetDataCenters()).Single().IdleCards));
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(2, (await summaries.Get()).Single().IdleCards);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, (await summaries.Get()).Single().IdleCards);
    }

    [Fact]
    public async Task A_pool_with_no_node_anywhere_is_not_kept_but_asked_again_at_once()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 4)]);
        var poolGrain = pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool);
        await pool.EventuallyAsync(async () => Assert.Equal(4, (await poolGrain.GetDataCenters()).Single().IdleCards));
        var summaries = new DataCenterSummaries(pool.Grains, Options.Create(new PoolOptions { DataCenterSummaryMaxAge = TimeSpan.FromHours(1) }), new FakeTimeProvider());

        // As while the first nodes register: no data centre has a node yet.
        async Task Push(DataCenterSummary summary)
        {
            await poolGrain.OnDataCenterChanged(summary); // one-way: wait until the pool holds it
            await pool.EventuallyAsync(async () => Assert.Equal(summary, (await poolGrain.GetDataCenters()).Single()));
        }

        await Push(DataCenterSummary.Unknown("dc1"));
        Assert.Equal(0, (await summaries.Get()).Single().Nodes);
        await Push(new DataCenterSummary("dc1", 1, 4, 4000, 0, 0));
        Assert.Equal(1, (await summaries.Get()).Single().Nodes);

        // That one is kept for its hour.
        await Push(new DataCenterSummary("dc1", 1, 0, 0, 0, 0));
        Assert.Equal(4, (await summaries.Get()).Single().IdleCards);
    }
}
