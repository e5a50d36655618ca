using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>References made with the types resolved once are the references Orleans makes, and they reach the grain.</summary>
public sealed class GrainFactoryExtensionsTests
{
    [Fact]
    public async Task Grain_gives_the_same_reference_as_GetGrain_on_the_first_and_later_calls()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        foreach (var key in new[] { "dc1/n0", "dc1/n0", "dc1/other" })
        {
            var mine = pool.Grains.Grain<INodeGrain>(key);
            var orleans = pool.Grains.GetGrain<INodeGrain>(key);
            Assert.Equal(orleans.GetGrainId(), mine.GetGrainId());
            Assert.Equal(orleans, mine);
        }

        Assert.Equal("dc1/n0", (await pool.Grains.Grain<INodeGrain>("dc1/n0").GetSnapshot())?.NodeId);
        Assert.Throws<ArgumentException>(() => pool.Grains.Grain<INodeGrain>(" "));
    }
}
