using Orion.Contracts;

namespace Orion.Tests.Cluster;

/// <summary>
/// A node grain refuses a registration it cannot take before anything changes: cards of another node (two nodes would
/// attach the same card and fight over it), another data centre, negative sizes, no card list at all.
/// </summary>
public sealed class NodeRegistrationValidationTests
{
    private const string NodeId = "dc1/n0";

    private static GpuDevice Card(string gpuId, int index) => new(gpuId, index, "A100-80GB", 81_920, 1.0, 25, $"u-{index}");

    private static NodeRegistration Valid() =>
        new(NodeId, "dc1", 64_000, 262_144, [Card("dc1/n0/0", 0)], "simulated", 0, [], "i-1");

    public static TheoryData<string, string> Broken() => new()
    {
        { "card of another node", "registration.gpus[1].gpuId" },
        { "card index not its id", "registration.gpus[0].gpuId" },
        { "card listed twice", "registration.gpus[1].gpuId" },
        { "other data centre", "registration.dataCenter" },
        { "negative cpu", "registration.cpuMilli" },
        { "negative memory", "registration.memoryMiB" },
        { "negative host swap", "registration.hostSwapMiB" },
        { "no card list", "registration.gpus" },
        { "bad label", "registration.labels[-rack]" },
        { "bad taint", "registration.taints[dedicated]" },
        { "fault of a card not listed", "registration.faults[0].gpuId" },
        { "fault listed twice", "registration.faults[1].gpuId" },
        { "fault without a reason", "registration.faults[0].reason" },
        { "link group out of range", "registration.gpus[0].linkDomain" },
        { "address with a space", "registration.address" },
    };

    private static NodeRegistration Break(string how) => how switch
    {
        "card of another node" => Valid() with { Gpus = [Card("dc1/n0/0", 0), Card("dc1/n1/0", 0)] },
        "card index not its id" => Valid() with { Gpus = [Card("dc1/n0/0", 3)] },
        "card listed twice" => Valid() with { Gpus = [Card("dc1/n0/0", 0), Card("dc1/n0/0", 0)] },
        "other data centre" => Valid() with { DataCenter = "dc2" },
        "negative cpu" => Valid() with { CpuMilli = -1 },
        "negative memory" => Valid() with { MemoryMiB = -5 },
        "negative host swap" => Valid() with { HostSwapMiB = -5 },
        "no card list" => Valid() with { Gpus = default },
        "bad label" => Valid() with { Labels = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("-rack", "r7") },
        "bad taint" => Valid() with { Taints = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("dedicated", "a b") },
        "fault of a card not listed" => Valid() with { Faults = [new CardFault("dc1/n0/1", "Xid 79")] },
        "fault listed twice" => Valid() with { Faults = [new CardFault("dc1/n0/0", "Xid 79"), new CardFault("dc1/n0/0", "Xid 48")] },
        "fault without a reason" => Valid() with { Faults = [new CardFault("dc1/n0/0", " ")] },
        "link group out of range" => Valid() with { Gpus = [Card("dc1/n0/0", 0) with { LinkDomain = 1 }] },
        "address with a space" => Valid() with { Address = "10.0.0.1 evil" },
        _ => throw new ArgumentOutOfRangeException(nameof(how)),
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task A_broken_registration_is_refused_naming_the_field_and_changes_nothing(string how, string field)
    {
        await using var pool = await TestPool.StartAsync([]);
        var daemon = pool.Grains.CreateObjectReference<INodeDaemon>(new StandIn());
        var node = pool.Grains.GetGrain<INodeGrain>(NodeId);
        var before = await node.Register(Valid(), daemon);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => node.Register(Break(how), daemon));
        Assert.Contains(field, refused.Message, StringComparison.Ordinal);

        // Nothing changed: the node keeps its registration and cards, and no other node's card was attached.
        var after = await node.GetSnapshot();
        Assert.NotNull(after);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal("dc1", after.DataCenter);
        Assert.Equal(64_000, after.CpuCapacityMilli);
        Assert.Equal(["dc1/n0/0"], after.Gpus.Select(g => g.Device.GpuId));
        Assert.Equal(0, after.Gpus[0].Device.Index);
        Assert.Null(await pool.Grains.GetGrain<IGpuGrain>("dc1/n1/0").GetSnapshot());

        // A valid heartbeat is still taken.
        Assert.Equal(NodeId, (await node.Register(Valid(), daemon)).NodeId);
    }

    [Fact]
    public async Task A_registration_for_another_node_id_is_refused()
    {
        await using var pool = await TestPool.StartAsync([]);
        var daemon = pool.Grains.CreateObjectReference<INodeDaemon>(new StandIn());
        var refused = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.Grains.GetGrain<INodeGrain>(NodeId).Register(Valid() with { NodeId = "dc1/n9" }, daemon));
        Assert.Contains("registration.nodeId", refused.Message, StringComparison.Ordinal);
    }

    private sealed class StandIn : INodeDaemon
    {
        public Task Start(TaskLaunch launch) => Task.CompletedTask;

        public Task<bool> Stop(string taskId, long generation) => Task.FromResult(false);

        public Task<bool> Pause(string taskId, long generation, string hold) => Task.FromResult(true);

        public Task<bool> Resume(string taskId, long generation, string hold) => Task.FromResult(true);

        public Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB) => throw new NotSupportedException();

        public Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB) => throw new NotSupportedException();

        public Task<TaskLogChunk?> ReadLog(string taskId, long generation, long offset, int maxBytes) => throw new NotSupportedException();

        public Task<MetricReading> ReadMetric(string taskId, long generation, ScaleMetric metric) => throw new NotSupportedException();
    }
}
