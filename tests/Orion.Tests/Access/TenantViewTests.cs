using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Access;

namespace Orion.Tests.Access;

public sealed class TenantViewTests
{
    private static readonly HashSet<string> None = [];

    private static object? For(object? answer, Type? grain = null, IReadOnlySet<string>? ownTasks = null, IReadOnlySet<string>? ownDeployments = null) =>
        TenantView.For("search", grain ?? typeof(IPoolGrain), answer, ownTasks ?? None, ownDeployments ?? None);

    private static VGpuTaskStatus Task(string id, string tenant) =>
        new(id, Specs.Batch(tenant: tenant), TaskState.Running, null, 0, DateTimeOffset.UnixEpoch, null, null, null, null, 1);

    private static GpuSnapshot Card() => new(
        new GpuDevice("dc1/n0/0", 0, "A100-80GB", 81_920, 1.0, 25, "GPU-0"), 2000,
        [
            new GpuSlice("ads-1", 1, 500, 20_480, false, Tenant: "ads"),
            new GpuSlice("search-1", 1, 300, 10_240, false, Tenant: "search"),
            new GpuSlice("ads-2", 2, 400, 8_192, false, Tenant: "ads"),
        ],
        7,
        Busy: ["ads-1", "search-1"],
        Paused: ["ads-2"],
        OnHost: ["ads-2"],
        MemoryCapacityMiB: 81_920,
        OnHostMiB: ImmutableDictionary<string, long>.Empty.Add("ads-2", 8_192),
        Starting: ["search-1"]);

    [Fact]
    public void A_card_keeps_the_room_others_hold_under_ids_that_name_no_task_so_its_sums_still_add_up()
    {
        var card = Card();
        var seen = Assert.IsType<GpuSnapshot>(For(card));

        Assert.Equal(
            [("(hidden) 1", "(another tenant)", 500), ("search-1", "search", 300), ("(hidden) 2", "(another tenant)", 400)],
            seen.Slices.Select(s => (s.TaskId, s.Tenant, s.ComputeMilli)));
        Assert.Equal(card.ComputeAllocatedMilli, seen.ComputeAllocatedMilli);
        Assert.Equal(card.Slices.Sum(s => s.MemoryMiB), seen.Slices.Sum(s => s.MemoryMiB));
        Assert.Equal(["(hidden) 1", "search-1"], seen.Busy);
        Assert.Equal(["(hidden) 2"], seen.Paused);
        Assert.Equal(["(hidden) 2"], seen.OnHost);
        Assert.Equal(8_192, seen.OnHostMiB!["(hidden) 2"]);
        Assert.Equal(["search-1"], seen.Starting);
        Assert.DoesNotContain("ads", string.Join(" ", seen.Slices.Select(s => s.TaskId + s.Tenant).Concat(seen.Busy).Concat(seen.Paused).Concat(seen.OnHostMiB.Keys)));
    }

    [Fact]
    public void A_node_shows_its_cards_so_and_only_the_tenants_own_borrowed_room_and_spread_counts()
    {
        var node = new NodeSnapshot("dc1/n0", "dc1", 64_000, 8_000, 262_144, 0, [Card()], true, 3,
            Borrowed: [new BorrowedHolding("ads-1", 1, 4_000, 0), new BorrowedHolding("search-1", 1, 4_000, 0)],
            Spread: [new SpreadCount("ads", "web", 2), new SpreadCount("search", "web", 1)]);

        var seen = Assert.IsType<NodeSnapshot>(For(node));

        Assert.Equal(["(hidden) 1", "search-1", "(hidden) 2"], Assert.Single(seen.Gpus).Slices.Select(s => s.TaskId));
        Assert.Equal(["search-1"], seen.Borrowed.Select(b => b.TaskId));
        Assert.Equal([("search", 1)], seen.Spread.Select(s => (s.Tenant, s.Count)));
        Assert.Equal((node.CpuAllocatedMilli, node.Version), (seen.CpuAllocatedMilli, seen.Version));
    }

    [Fact]
    public void Tasks_deployments_events_and_queues_are_the_tenants_own()
    {
        Assert.Equal(["s"], Assert.IsType<ImmutableArray<VGpuTaskStatus>>(For(ImmutableArray.Create(Task("a", "ads"), Task("s", "search")))).Select(t => t.TaskId));
        Assert.Null(For(Task("a", "ads")));
        var own = Task("s", "search");
        Assert.Same(own, For(own));

        var deployment = new DeploymentStatus("chat", Specs.Batch(tenant: "ads"), 1, 1, [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        Assert.Null(For(deployment));
        var mine = deployment with { Template = Specs.Batch(tenant: "search") };
        Assert.Same(mine, For(mine));

        ImmutableArray<PoolEvent> events =
        [
            new(1, DateTimeOffset.UnixEpoch, PoolEventKinds.Placement, "s", "dc1/n0/0", ""),
            new(2, DateTimeOffset.UnixEpoch, PoolEventKinds.Placement, "a", "dc1/n0/0", ""),
            new(3, DateTimeOffset.UnixEpoch, PoolEventKinds.AccessRefused, "", "pool/pool", "token 'ads-ci' (tenant ads) ..."),
        ];
        Assert.True(TenantView.NeedsOwnTasks(events));
        Assert.Equal([1L], Assert.IsType<ImmutableArray<PoolEvent>>(For(events, ownTasks: new HashSet<string> { "s" })).Select(e => e.Sequence));

        var dc = new SchedulerSnapshot("fgd", ["a", "s", "b"], 2, 10, 1, "dc1");
        var pool = new SchedulerSnapshot("fgd", ["a", "s", "b", "s2"], 3, 12, 1, DataCenters: [dc, new SchedulerSnapshot("fgd", ["s2"], 1, 2, 0, "dc2")]);
        Assert.True(TenantView.NeedsOwnTasks(pool));
        var seen = Assert.IsType<SchedulerSnapshot>(For(pool, ownTasks: new HashSet<string> { "s", "s2" }));
        Assert.Equal(["s", "s2"], seen.Queue);
        Assert.Equal([["s"], ["s2"]], seen.DataCenters.Select(d => d.Queue.ToArray()));
        Assert.Equal((12L, 3), (seen.Placements, seen.Nodes));
    }

    [Fact]
    public void Directories_list_the_tenants_own_name_and_deployments_and_other_names_pass_as_they_are()
    {
        ImmutableArray<string> tenants = ["ads", "search", "vision"];
        Assert.Equal(["search"], Assert.IsType<ImmutableArray<string>>(For(tenants, typeof(ITenantDirectoryGrain))));
        Assert.Equal(
            ["search"],
            Assert.IsType<ImmutableDictionary<string, double>>(For(ImmutableDictionary<string, double>.Empty.Add("ads", 2).Add("search", 1), typeof(ITenantDirectoryGrain))).Keys);

        ImmutableArray<string> deployments = ["chat", "embed", "rank"];
        Assert.True(TenantView.NeedsOwnDeployments(typeof(IDeploymentDirectoryGrain), deployments));
        Assert.False(TenantView.NeedsOwnDeployments(typeof(IPoolGrain), deployments));
        Assert.Equal(["embed"], Assert.IsType<ImmutableArray<string>>(For(deployments, typeof(IDeploymentDirectoryGrain), ownDeployments: new HashSet<string> { "embed" })));

        // Node ids, settings: the pool's, not a tenant's.
        ImmutableArray<string> nodes = ["dc1/n0", "dc1/n1"];
        Assert.Equal(nodes, For(nodes, typeof(IPoolGrain)));
        Assert.Equal(42, For(42));
    }
}
