using System.Collections.Immutable;
using Orion.Client.Monitoring;
using Orion.Contracts;

namespace Orion.Tests.Monitoring;

public sealed class PoolSummarizerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static VGpuTaskStatus Status(string id, TaskState state, string tenant, string? gpu, int milli = 500, long mib = 8192) =>
        new(id, Specs.Batch(milli / 10.0, mib, tenant: tenant, name: "n-" + id), state,
            gpu is null ? null : new TaskPlacement(GrainKeys.NodeOfGpu(gpu), gpu.Split('/')[0], [gpu], milli, mib), 1, T0, null, null, null, null, 1);

    internal static NodeSnapshot Node(string nodeId, params GpuSnapshot[] cards) =>
        new(nodeId, nodeId.Split('/')[0], 64_000, 2000, 262_144, 4096, [.. cards], true, 1);

    internal static GpuSnapshot Card(string gpuId, GpuSlice[] slices, string[]? paused = null, string[]? onHost = null) =>
        new(new GpuDevice(gpuId, int.Parse(gpuId.Split('/')[2]), "A100-80GB", 81_920, 108, 1.0, "uuid"), 2000, [.. slices], 3,
            [], [.. paused ?? []], [.. onHost ?? []], 81_920);

    private static GpuSlice Slice(string id, int milli, long mib) => new(id, 1, milli, mib, false);

    [Fact]
    public void Cards_count_only_running_unpaused_slices_as_in_use_and_split_memory_by_where_it_is()
    {
        var card = Card("dc1/n0/0", [Slice("run", 500, 10_000), Slice("paused", 300, 20_000), Slice("placing", 200, 5_000)], paused: ["paused"], onHost: ["paused"]);
        var tasks = new[]
        {
            Status("run", TaskState.Running, "a", "dc1/n0/0", 500, 10_000),
            Status("paused", TaskState.Running, "b", "dc1/n0/0", 300, 20_000),
            Status("placing", TaskState.Placing, "a", "dc1/n0/0", 200, 5_000),
            Status("queued", TaskState.Pending, "a", null),
        };

        var pool = PoolSummarizer.Summarize(T0, new SchedulerSnapshot("best-fit", ["queued"], 1, 3, 0), [Node("dc1/n0", card)], tasks, []);

        var c = Assert.Single(pool.Cards);
        Assert.Equal(1000, c.ComputeAllocatedMilli);
        Assert.Equal(500, c.ComputeInUseMilli);
        Assert.Equal(35_000, c.MemoryAllocatedMiB);
        Assert.Equal(15_000, c.ResidentMiB);
        Assert.Equal(20_000, c.HostMiB);
        Assert.Equal("Suspended", c.Slices.Single(s => s.TaskId == "paused").State);
        Assert.True(c.Slices.Single(s => s.TaskId == "paused").OnHost);
        Assert.Equal("b", c.Slices.Single(s => s.TaskId == "paused").Tenant);
        Assert.Equal(["queued"], pool.Queue.ToArray());
        Assert.Equal(2, pool.TasksByState["Running"]);
        Assert.Equal(1, pool.TasksByState["Pending"]);
        Assert.Equal(0, pool.TasksByState["Completed"]);
        Assert.Equal(Enum.GetValues<TaskState>().Length, pool.TasksByState.Count);
    }

    [Fact]
    public void Each_tenant_holding_cards_queued_or_with_a_quota_has_its_dominant_share_of_the_pool()
    {
        // One card: 2,000 milli of compute (oversubscribed twice), 81,920 MiB. The catalogue does not know "new" yet: its
        // slice names its tenant.
        var card = Card("dc1/n0/0", [Slice("run", 500, 10_000) with { Tenant = "a" }, Slice("paused", 300, 20_000) with { Tenant = "b" },
            Slice("new", 200, 5_000) with { Tenant = "a" }], paused: ["paused"]);
        var tasks = new[]
        {
            Status("run", TaskState.Running, "a", "dc1/n0/0", 500, 10_000),
            Status("paused", TaskState.Running, "b", "dc1/n0/0", 300, 20_000),
            Status("queued", TaskState.Pending, "a", null),
        };

        var pool = PoolSummarizer.Summarize(T0, new SchedulerSnapshot("p", ["queued"], 1, 3, 0), [Node("dc1/n0", card)], tasks, [],
            [new TenantUsage("c", new TenantQuota(Weight: 2), 0, 0, 0)]);

        Assert.Equal(["a", "b", "c"], pool.Shares.Select(s => s.Tenant));
        var (a, b, c) = (pool.Shares[0], pool.Shares[1], pool.Shares[2]);
        Assert.Equal((700L, 15_000L, 0.35, 1.0, 1), (a.ComputeMilli, a.MemoryMiB, a.Share, a.Weight, a.Queued));
        Assert.Equal((300L, 20_000L, 20_000 / 81_920.0, 0), (b.ComputeMilli, b.MemoryMiB, b.Share, b.Queued));
        Assert.Equal((0.0, 2.0, 0.0), (c.Share, c.Weight, c.WeightedShare));
        Assert.Equal("a", pool.Cards.Single().Slices.Single(s => s.TaskId == "new").Tenant);

        // The tenant filter keeps its own row only.
        Assert.Equal(["b"], new PoolFilter(null, null, "b").Apply(pool).Shares.Select(s => s.Tenant));
    }

    [Fact]
    public void With_usage_history_counted_each_share_has_its_past_part_and_the_weighted_share_adds_it()
    {
        // One card of 2,000 milli; a holds 500 now, and held 1,000 (one card's worth, half the capacity) every day of the
        // four half-lives read; b holds 300 and has no history.
        var card = Card("dc1/n0/0", [Slice("run", 500, 0) with { Tenant = "a" }, Slice("other", 300, 0) with { Tenant = "b" }]);
        var tasks = new[] { Status("run", TaskState.Running, "a", "dc1/n0/0", 500, 0), Status("other", TaskState.Running, "b", "dc1/n0/0", 300, 0) };
        var halfLife = TimeSpan.FromDays(7);
        var first = FairShare.HistoryStart(T0, halfLife);
        var days = Enumerable.Range(0, DateOnly.FromDateTime(T0.UtcDateTime).DayNumber - first.DayNumber).Select(i => new UsageDay(first.AddDays(i), 86_400, 0, 1)).ToImmutableArray();
        var history = new Dictionary<string, ImmutableArray<UsageDay>> { ["a"] = days };
        var settings = new PoolSettings("fragmentation", 2.0, 1.0, FairShareHalfLife: halfLife);

        var on = PoolSummarizer.Summarize(T0, new SchedulerSnapshot("p", [], 1, 2, 0), [Node("dc1/n0", card)], tasks, [], [], settings, history);
        var (a, b) = (on.Shares[0], on.Shares[1]);
        Assert.Equal(0.25, a.Share, 9);
        Assert.Equal(0.5, a.PastShare!.Value, 9);
        Assert.Equal(0.75, a.WeightedShare, 9);
        Assert.Equal((0.15, 0.0, 0.15), (b.Share, b.PastShare!.Value, b.WeightedShare));

        // Off: no past part, whatever history is given.
        var off = PoolSummarizer.Summarize(T0, new SchedulerSnapshot("p", [], 1, 2, 0), [Node("dc1/n0", card)], tasks, [], [], settings with { FairShareHalfLife = null }, history);
        Assert.Equal((null, 0.25), (off.Shares[0].PastShare, off.Shares[0].WeightedShare));
    }

    [Fact]
    public void Shares_are_of_the_cards_that_take_work_while_work_on_a_cordoned_card_still_counts_as_held()
    {
        // Two cards of 2,000 milli; the second cordoned and holding a's 500: a holds 500 of the 2,000 that take work.
        var node = Node("dc1/n0", Card("dc1/n0/0", []), Card("dc1/n0/1", [Slice("run", 500, 0) with { Tenant = "a" }])) with
        {
            CordonedCards = ImmutableDictionary<string, string>.Empty.Add("dc1/n0/1", "ECC errors rising"),
        };
        var pool = PoolSummarizer.Summarize(T0, new SchedulerSnapshot("p", [], 1, 0, 0), [node], [Status("run", TaskState.Running, "a", "dc1/n0/1", 500, 0)], []);
        Assert.Equal(0.25, Assert.Single(pool.Shares).Share);
        Assert.Equal("ECC errors rising", pool.Cards.Single(c => c.GpuId == "dc1/n0/1").CordonReason);
    }

    [Fact]
    public void A_task_partly_in_host_ram_counts_its_parts_where_they_are()
    {
        // "paused" has 6,000 of its 20,000 MiB in host RAM; "idle" all of its 4,000.
        var card = Card("dc1/n0/0", [Slice("run", 500, 10_000), Slice("paused", 300, 20_000), Slice("idle", 100, 4_000)], paused: ["paused"], onHost: ["idle", "paused"])
            with { OnHostMiB = ImmutableDictionary<string, long>.Empty.Add("paused", 6_000) };
        var tasks = new[]
        {
            Status("run", TaskState.Running, "a", "dc1/n0/0", 500, 10_000),
            Status("paused", TaskState.Running, "b", "dc1/n0/0", 300, 20_000),
            Status("idle", TaskState.Running, "b", "dc1/n0/0", 100, 4_000),
        };

        var c = Assert.Single(PoolSummarizer.Summarize(T0, new SchedulerSnapshot("p", [], 1, 3, 0), [Node("dc1/n0", card)], tasks, []).Cards);
        Assert.Equal((34_000L, 24_000L, 10_000L), (c.MemoryAllocatedMiB, c.ResidentMiB, c.HostMiB));
        Assert.Equal((0L, 6_000L, 4_000L), (c.Slices.Single(s => s.TaskId == "run").HostMiB, c.Slices.Single(s => s.TaskId == "paused").HostMiB, c.Slices.Single(s => s.TaskId == "idle").HostMiB));
        Assert.Equal(card.ResidentMiB, c.ResidentMiB);
    }

    [Fact]
    public void A_slice_the_catalogue_has_not_heard_of_yet_shows_as_placing()
    {
        var pool = PoolSummarizer.Summarize(T0, new SchedulerSnapshot("p", [], 1, 0, 0), [Node("dc1/n0", Card("dc1/n0/0", [Slice("new", 100, 1)]))], [], []);
        var slice = Assert.Single(Assert.Single(pool.Cards).Slices);
        Assert.Equal("Placing", slice.State);
        Assert.Equal(0, Assert.Single(pool.Cards).ComputeInUseMilli);
    }

    [Fact]
    public void A_blocked_task_lists_what_it_runs_after_what_it_still_awaits_and_its_run_limit()
    {
        var blocked = Status("index", TaskState.Blocked, "search", null) with { Awaiting = ["shard-1"] };
        blocked = blocked with { Spec = blocked.Spec with { After = ["shard-0", "shard-1"], MaxRuntime = TimeSpan.FromMinutes(90) } };
        var summary = PoolSummarizer.Task(blocked);
        Assert.Equal(("Blocked", "shard-0,shard-1", "shard-1", "1h30m"), (summary.State, string.Join(",", summary.After!), string.Join(",", summary.Awaiting!), summary.MaxRuntime));
        var plain = PoolSummarizer.Task(Status("t", TaskState.Running, "search", "dc1/n0/0"));
        Assert.Equal((null, null, null), (plain.After, plain.Awaiting, plain.MaxRuntime));
    }
}
