using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class DataCenterListingTests
{
    [Fact]
    public void A_data_centre_no_node_reports_to_is_listed_only_while_tasks_are_queued_there()
    {
        var madeUp = DataCenterSummary.Unknown("nowhere");
        Assert.False(DataCenterListing.Keeps(madeUp, hasNodes: false));
        Assert.True(DataCenterListing.Keeps(madeUp with { Queued = 1 }, hasNodes: false));
        Assert.True(DataCenterListing.Keeps(madeUp with { Queued = 1, Spillable = 1 }, hasNodes: false));
    }

    [Fact]
    public void A_data_centre_with_a_node_is_listed_even_with_none_schedulable_and_nothing_queued()
    {
        Assert.True(DataCenterListing.Keeps(DataCenterSummary.Unknown("east"), hasNodes: true));
        Assert.True(DataCenterListing.Keeps(new DataCenterSummary("east", 1, 1, 1000, 0, 0), hasNodes: false));
    }
}
