using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class DataCenterPreferencePolicyTests
{
    [Fact]
    public void A_preferred_data_centre_is_used_while_it_has_room_and_the_pool_takes_the_rest()
    {
        var east = Node("east-0", gpus: 1, dc: "east");
        var west = Node("west-0", gpus: 1, dc: "west");
        var view = Of(east, west);
        var policy = new DataCenterPreferencePolicy(new BestFitPolicy());
        var wantsWest = Slice(1000, 0) with { PreferredDataCenter = "west" };

        var first = policy.Choose(view, wantsWest)!;
        Assert.Same(west, first.Node);
        ClusterView.Apply(first, wantsWest);

        // West is full: it spills over rather than waiting.
        Assert.Same(east, policy.Choose(view, wantsWest)!.Node);

        // A pinned data centre is not a preference: full means nowhere.
        Assert.Null(policy.Choose(view, wantsWest with { DataCenter = "west" }));
    }
}
