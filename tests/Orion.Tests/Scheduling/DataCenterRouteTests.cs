using Orion.Contracts;
using Orion.Grains.Placement;
using Orion.Grains.Scheduling;
using static Orion.Tests.Scheduling.Clusters;

namespace Orion.Tests.Scheduling;

public sealed class DataCenterRouteTests
{
    private static readonly DataCenterSummary[] Summaries =
    [
        new("east", Nodes: 2, IdleCards: 1, FreeComputeMilli: 3000, Queued: 0, Spillable: 0),
        new("west", Nodes: 1, IdleCards: 2, FreeComputeMilli: 2000, Queued: 0, Spillable: 0),
        new("mars", Nodes: 0, IdleCards: 0, FreeComputeMilli: 0, Queued: 5, Spillable: 5),
    ];

    [Fact]
    public void A_pin_or_a_preference_decides_alone()
    {
        Assert.Equal("mars", DataCenterRoute.Home(Slice(100, 0) with { DataCenter = "mars" }, Summaries, "dc1"));
        Assert.Equal("west", DataCenterRoute.Home(Slice(100, 0) with { PreferredDataCenter = "west" }, Summaries, "dc1"));
    }

    [Fact]
    public void Otherwise_the_data_centre_with_most_room_for_the_request_then_the_shorter_queue_then_the_name()
    {
        Assert.Equal("east", DataCenterRoute.Home(Slice(100, 0), Summaries, "dc1"));
        Assert.Equal("west", DataCenterRoute.Home(Slice(100, 0) with { GpuCount = 2 }, Summaries, "dc1"));
        DataCenterSummary[] even = [Summaries[0], Summaries[0] with { DataCenter = "alpha", Queued = 1 }, Summaries[0] with { DataCenter = "zulu" }];
        Assert.Equal("east", DataCenterRoute.Home(Slice(100, 0), even, "dc1"));
        Assert.Equal("dc1", DataCenterRoute.Home(Slice(100, 0), [Summaries[2]], "dc1"));
    }

    [Fact]
    public void Only_an_unpinned_task_may_run_anywhere()
    {
        Assert.True(DataCenterRoute.MayRunAnywhere(Specs.Batch()));
        Assert.True(DataCenterRoute.MayRunAnywhere(Specs.Batch() with { Constraints = PlacementConstraints.None with { PreferredDataCenter = "west" } }));
        Assert.False(DataCenterRoute.MayRunAnywhere(Specs.Batch() with { Constraints = PlacementConstraints.None with { DataCenter = "west" } }));
    }

    [Fact]
    public void A_data_centres_summary_counts_its_schedulable_room_and_its_queue()
    {
        var view = Of(Node("e0", gpus: 2, dc: "east"));
        var task = new QueuedTask("t", 1, Specs.Batch() with { Constraints = PlacementConstraints.None with { DataCenter = "east" } }, DateTimeOffset.UnixEpoch);
        var summary = DataCenterRoute.Summarize("east", view, [task, task with { TaskId = "u", Spec = Specs.Batch() }]);
        Assert.Equal(new DataCenterSummary("east", 1, 2, 2 * view.Nodes[0].Gpus[0].ComputeCapacity, 2, 1), summary);

        // A node's room is kept between summaries, and a placement on it (or its undoing) is seen by the next one.
        var capacity = view.Nodes[0].Gpus[0].ComputeCapacity;
        var choice = new PlacementChoice(view.Nodes[0], [0]);
        var request = PlacementRequest.From(Specs.Batch(computePercent: 25, gpuMemoryMiB: 1024));
        ClusterView.Apply(choice, request);
        Assert.Equal((1, 2L * capacity - 250), (DataCenterRoute.Summarize("east", view, []).IdleCards, DataCenterRoute.Summarize("east", view, []).FreeComputeMilli));
        ClusterView.Release(choice, request);
        Assert.Equal((2, 2L * capacity), (DataCenterRoute.Summarize("east", view, []).IdleCards, DataCenterRoute.Summarize("east", view, []).FreeComputeMilli));
    }

    [Theory]
    [InlineData("east", "west", new[] { "east", "west" }, true)]
    [InlineData("east", "west", new[] { "east" }, false)]
    [InlineData("west", "west", new[] { "east", "west" }, false)]
    [InlineData("WEST", "west", new[] { "west" }, false)]
    [InlineData(null, "west", new[] { "west" }, true)]
    public void A_grain_moves_only_from_another_data_centres_silo_and_only_to_an_active_one_of_its_own(string? here, string wanted, string[] active, bool move) =>
        Assert.Equal(move, DataCenterResidence.ShouldMove(here, wanted, active));

    [Fact]
    public void A_scheduler_key_is_its_data_centre_and_keys_name_their_data_centre()
    {
        Assert.Equal("east", GrainKeys.Scheduler("east"));
        Assert.Equal("east", GrainKeys.DataCenterOf(GrainKeys.Scheduler("east")));
        Assert.Equal("east", GrainKeys.DataCenterOf(GrainKeys.Node("east", "n0")));
        Assert.Equal("east", GrainKeys.DataCenterOf(GrainKeys.Gpu(GrainKeys.Node("east", "n0"), 3)));
    }

    [Fact]
    public void A_gangs_members_share_one_home_chosen_by_the_gangs_name_not_by_room()
    {
        var gang = new GangSpec("allreduce", 4);
        var home = DataCenterRoute.GangHome("research", gang, Summaries, "dc1");
        Assert.Contains(home, new[] { "east", "west" });

        // The room moves between members' submits; their home does not.
        DataCenterSummary[] later = [Summaries[0] with { IdleCards = 0, FreeComputeMilli = 0, Queued = 9 }, Summaries[1], Summaries[2]];
        Assert.Equal(home, DataCenterRoute.GangHome("research", gang, later, "dc1"));
        Assert.Equal(home, DataCenterRoute.GangHome("research", gang, [.. Summaries.Reverse()], "dc1"));

        // Other gangs spread over both data centres with nodes, never to one without.
        var homes = Enumerable.Range(0, 40).Select(i => DataCenterRoute.GangHome("research", new GangSpec($"job-{i}", 2), Summaries, "dc1")).ToHashSet();
        Assert.Equal(["east", "west"], homes.Order());
        Assert.Equal("dc1", DataCenterRoute.GangHome("research", gang, [Summaries[2]], "dc1"));
    }

    [Fact]
    public void A_gangs_member_never_spills_over_to_another_data_centre()
    {
        Assert.True(DataCenterRoute.MayRunAnywhere(Specs.Training(2)));
        Assert.False(DataCenterRoute.MayRunAnywhere(Specs.Training(2) with { Gang = new GangSpec("job", 2) }));
    }
}
