using Orion.Contracts;
using Orion.NodeDaemon;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A card that breaks under running work: its runs fail over, the card takes nothing until it works again.</summary>
public sealed class FaultedCardTests
{
    private static TaskSpec Half(RestartPolicy restart) =>
        Specs.Batch(computePercent: 50, gpuMemoryMiB: 8192, items: 1, gpuMsPerItem: 3_600_000) with { Restart = restart };

    [Fact]
    public async Task A_broken_cards_runs_restart_or_fail_by_policy_the_node_takes_nothing_there_and_takes_work_again_once_repaired()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        await pool.SubmitAsync(Half(RestartPolicy.OnFailure(2)), "restarts");
        await pool.SubmitAsync(Half(RestartPolicy.Never), "fails");
        var restarts = await pool.WaitForAsync("restarts", TaskState.Running);
        var fails = await pool.WaitForAsync("fails", TaskState.Running);
        var broken = Assert.Single(restarts.Placement!.GpuIds);
        Assert.Equal([broken], fails.Placement!.GpuIds);
        await pool.SubmitAsync(Half(RestartPolicy.Never), "elsewhere");
        var elsewhere = await pool.WaitForAsync("elsewhere", TaskState.Running);
        var working = Assert.Single(elsewhere.Placement!.GpuIds);
        Assert.NotEqual(broken, working);

        pool.Backend("n0").Fail(int.Parse(broken.Split('/')[^1]), "Xid 79: fell off the bus");

        // The run without retries fails naming the card; the other restarts on the working card of the same node (its
        // reservation there must not wait behind the node's own turn), beside the task that was there all along.
        var failed = await pool.WaitForAsync("fails", TaskState.Failed);
        Assert.Contains($"card {broken}", failed.ExitReason);
        Assert.Contains("Xid 79: fell off the bus", failed.ExitReason);
        VGpuTaskStatus? restarted = null;
        await pool.EventuallyAsync(async () =>
        {
            restarted = (await pool.Client.GetAsync("restarts"))!;
            Assert.Equal((TaskState.Running, 1), (restarted.State, restarted.Restarts));
        });
        Assert.Equal([working], restarted!.Placement!.GpuIds);
        Assert.Equal((TaskState.Running, 1L), ((await pool.Client.GetAsync("elsewhere"))!.State, (await pool.Client.GetAsync("elsewhere"))!.Generation));

        var node = await pool.NodeSnapshot("n0");
        Assert.Equal([new CardFault(broken, "Xid 79: fell off the bus")], node.Faults);
        Assert.True(node.Schedulable);
        Assert.Empty(node.Gpus.Single(g => g.Device.GpuId == broken).Slices);
        await pool.AssertConsistentAsync(["restarts", "fails", "elsewhere"]);

        // The node refuses the broken card itself, whatever a scheduler's view says.
        var refused = await pool.Grains.GetGrain<INodeGrain>(node.NodeId).Reserve(new ReservationRequest("ghost", 1, [broken], 300, 1024, false, 1000, 1024));
        Assert.False(refused.Accepted);
        Assert.Equal($"card {broken} is faulted: Xid 79: fell off the bus", refused.Reason);

        // The working card is full and the broken one takes nothing: a new half waits.
        await pool.SubmitAsync(Half(RestartPolicy.Never), "waits");
        Assert.Equal(TaskState.Pending, (await pool.WaitForAsync("waits", TaskState.Pending, TaskState.Placing, TaskState.Running)).State);
        await pool.Client.CancelAsync("elsewhere");
        await pool.WaitForAsync("waits", TaskState.Running);
        Assert.Equal([working], (await pool.Client.GetAsync("waits"))!.Placement!.GpuIds);

        // Repaired (a reset): the node reports it at once and the card takes work again.
        Assert.True(pool.Backend("n0").Repair(int.Parse(broken.Split('/')[^1])));
        await pool.SubmitAsync(Half(RestartPolicy.Never), "after");
        var after = await pool.WaitForAsync("after", TaskState.Running);
        Assert.Equal([broken], after.Placement!.GpuIds);
        Assert.True((await pool.NodeSnapshot("n0")).Faults.IsDefaultOrEmpty);

        var events = await pool.Client.GetEventsAsync(max: 500);
        Assert.Contains(events, e => e.Kind == PoolEventKinds.CardFault && e.Where == broken && e.Detail == "Xid 79: fell off the bus");
        Assert.Contains(events, e => e.Kind == PoolEventKinds.CardRecovered && e.Where == broken);
        await pool.AssertConsistentAsync(["restarts", "fails", "elsewhere", "waits", "after"]);
    }

    [Fact]
    public async Task A_card_that_breaks_three_times_within_an_hour_stays_cordoned_once_it_works_again()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var backend = pool.Backend("n0");
        for (var i = 0; i < 3; i++)
        {
            // Broken, seen by the node, then repaired and seen healthy: a fault counts once the node hears of it.
            backend.Fail(1, $"Xid 48: double-bit ECC error ({i + 1})");
            await pool.EventuallyAsync(async () => Assert.Equal(["dc1/n0/1"], (await pool.NodeSnapshot("n0")).Faults.Select(f => f.GpuId)));
            Assert.Equal(i == 2, (await pool.NodeSnapshot("n0")).CordonOf("dc1/n0/1") is not null);
            backend.Repair(1);
            await pool.EventuallyAsync(async () => Assert.True((await pool.NodeSnapshot("n0")).Faults.IsDefaultOrEmpty));
        }

        // Working again, but cordoned: new work goes to the other card, and the operator decides when it takes work.
        Assert.Equal("faulted 3 times within 1h: cordoned until an operator uncordons it", (await pool.NodeSnapshot("n0")).CordonOf("dc1/n0/1"));
        await pool.SubmitAsync(Specs.Training(2, steps: 1_000_000), "pair");
        Assert.Equal(TaskState.Pending, (await pool.WaitForAsync("pair", TaskState.Pending, TaskState.Running)).State);
        await pool.Client.UncordonCardAsync("dc1/n0/1");
        await pool.WaitForAsync("pair", TaskState.Running);
    }

    [Fact]
    public async Task A_cards_faults_are_counted_across_its_node_grains_activations()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 2)]);
        var backend = pool.Backend("n0");
        var node = pool.Grains.GetGrain<INodeGrain>("dc1/n0");
        for (var i = 0; i < 3; i++)
        {
            backend.Fail(1, $"Xid 48 ({i + 1})");
            await pool.EventuallyAsync(async () => Assert.Equal(["dc1/n0/1"], (await pool.NodeSnapshot("n0")).Faults.Select(f => f.GpuId)));
            backend.Repair(1);
            await pool.EventuallyAsync(async () => Assert.True((await pool.NodeSnapshot("n0")).Faults.IsDefaultOrEmpty));

            // The node grain goes between faults (its silo moved it, say); the next report brings it back from storage.
            if (i < 2)
            {
                await node.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
            }
        }

        await pool.EventuallyAsync(async () =>
            Assert.Equal("faulted 3 times within 1h: cordoned until an operator uncordons it", (await pool.NodeSnapshot("n0")).CordonOf("dc1/n0/1")));
    }

    [Fact]
    public async Task A_run_whose_process_hangs_on_a_broken_card_is_stopped_by_its_node_and_restarts_on_a_working_card()
    {
        await using var pool = await StartAsync([]);
        HangingCards? cards = null;
        var (daemon, backend) = await pool.StartOwnDaemonAsync("own", gpus: 2, wrap: b => cards = new HangingCards(b));
        await using var _ = daemon;
        await pool.SubmitAsync(Half(RestartPolicy.OnFailure(1)), "hangs");
        await pool.SubmitAsync(Half(RestartPolicy.Never), "ends");
        var first = await pool.WaitForAsync("hangs", TaskState.Running);
        var broken = Assert.Single(first.Placement!.GpuIds);
        Assert.Equal([broken], (await pool.WaitForAsync("ends", TaskState.Running)).Placement!.GpuIds);

        // NVML says the card is gone; the process on it neither exits nor computes (as a CUDA call on a lost GPU hangs).
        cards!.Break(broken, "the GPU has fallen off the bus (NVML: GPU is lost)");

        VGpuTaskStatus? restarted = null;
        await pool.EventuallyAsync(async () =>
        {
            restarted = (await pool.Client.GetAsync("hangs"))!;
            Assert.Equal((TaskState.Running, 2L), (restarted.State, restarted.Generation));
        });
        Assert.NotEqual(broken, Assert.Single(restarted!.Placement!.GpuIds));
        Assert.Equal($"card {broken} of node dc1/own failed: the GPU has fallen off the bus (NVML: GPU is lost)", restarted.ExitReason);

        Assert.Contains($"card {broken} of node dc1/own failed", (await pool.WaitForAsync("ends", TaskState.Failed)).ExitReason);

        // The hung runs were stopped there (the daemon's heartbeats are far off on the test's clock); only the new one runs.
        Assert.Equal(new Dictionary<string, long> { ["hangs"] = 2 }, backend.Running);
        var node = (await pool.Grains.GetGrain<INodeGrain>("dc1/own").GetSnapshot())!;
        Assert.Empty(node.Gpus.Single(g => g.Device.GpuId == broken).Slices);
    }

    /// <summary>Cards that break as NVML reports it: the health reading changes, and nothing on the card exits by itself.</summary>
    private sealed class HangingCards(IGpuBackend inner) : DelegatingGpuBackend(inner)
    {
        private readonly List<CardFault> faults = [];

        public override event Action? HealthChanged;

        public void Break(string gpuId, string reason)
        {
            lock (faults)
            {
                faults.Add(new CardFault(gpuId, reason));
            }

            HealthChanged?.Invoke();
        }

        public override IReadOnlyList<CardFault> CheckHealth()
        {
            lock (faults)
            {
                return [.. faults];
            }
        }
    }
}
