using Orion.Benchmarks.Trace;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Trace;

public sealed class TraceReplayTests
{
    public static TheoryData<string> Policies() => [.. TracePolicies.Names];

    [Fact]
    public void Inflation_stops_at_the_first_copy_that_reaches_130_percent_of_capacity()
    {
        using var trace = new SyntheticTrace();
        var (nodes, pods) = trace.Mixed();
        var replay = new TraceReplay(TraceFiles.LoadNodes(nodes), TraceFiles.LoadPods(pods));
        var arrivals = replay.Arrivals(seed: 3);
        var requested = arrivals.Select(i => replay.Pods[i].RequestedGpuMilli).ToList();
        var target = replay.CapacityMilli * 130 / 100;

        Assert.True(requested.Sum() >= target);
        Assert.True(requested.Sum() - requested[^1] < target);

        // Every trace pod arrives once before any copy, in a shuffled order.
        Assert.Equal(Enumerable.Range(0, replay.Pods.Count), arrivals.Take(replay.Pods.Count).Order());
        Assert.NotEqual(Enumerable.Range(0, replay.Pods.Count), arrivals.Take(replay.Pods.Count));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Arrived_work_counts_failed_pods_and_allocation_never_exceeds_capacity(string policy)
    {
        using var trace = new SyntheticTrace();
        var (nodes, pods) = trace.Mixed();
        var replay = new TraceReplay(TraceFiles.LoadNodes(nodes), TraceFiles.LoadPods(pods));
        var run = replay.Run(TracePolicies.Create(policy, replay, seed: 5), seed: 5);

        // At 130% arrived, some pods must have failed, and arrived work counts them.
        Assert.True(run.Failed > 0);
        Assert.Equal(replay.Arrivals(5).Sum(i => replay.Pods[i].RequestedGpuMilli), run.ArrivedMilli);
        Assert.True(run.ArrivedMilli >= replay.CapacityMilli * 13 / 10);
        Assert.True(run.AllocatedMilli < run.ArrivedMilli);

        // What the cluster holds is what the run says it allocated, and no node or card is over-committed.
        long held = 0;
        foreach (var node in run.Cluster.Nodes)
        {
            Assert.InRange(node.CpuFree, 0, node.CpuCapacity);
            Assert.InRange(node.MemoryFree, 0, node.MemoryCapacity);
            foreach (var g in node.Gpus)
            {
                Assert.InRange(g.ComputeFree, 0, g.ComputeCapacity);
                Assert.InRange(g.MemoryFree, 0, g.MemoryCapacity);
                held += g.ComputeCapacity - g.ComputeFree;
            }
        }

        Assert.Equal(held, run.AllocatedMilli);
        Assert.Equal(100.0 * held / replay.CapacityMilli, run.Allocation[^1], 9);
        Assert.All(run.Allocation, a => Assert.InRange(a, 0, 100));
        Assert.All(run.FragmentationRate, f => Assert.InRange(f, 0, 100));

        // No placement beats the ceiling its own placed pods set.
        Assert.All(run.Allocation.Zip(run.Ceiling), p => Assert.InRange(p.First, 0, p.Second + 1e-9));

        // Without departures, allocation only grows with arrived work.
        for (var k = 1; k < TraceReplay.Checkpoints.Count; k++)
        {
            Assert.True(run.Allocation[k] >= run.Allocation[k - 1]);
        }
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void The_gpu_not_allocated_is_on_idle_cards_or_crumbs_of_shared_ones(string policy)
    {
        using var trace = new SyntheticTrace();
        var (nodes, pods) = trace.Mixed();
        var replay = new TraceReplay(TraceFiles.LoadNodes(nodes), TraceFiles.LoadPods(pods));
        var run = replay.Run(TracePolicies.Create(policy, replay, seed: 2), seed: 2);

        for (var k = 0; k < TraceReplay.Checkpoints.Count; k++)
        {
            Assert.Equal(100.0, run.Allocation[k] + run.IdleCards[k] + run.Crumbs[k], 9);
            Assert.InRange(run.PackedCrumbs[k], 0, 100);
        }

        // At the end, crumbs are the free compute on cards that pods hold in part.
        var held = run.Cluster.Nodes.SelectMany(n => n.Gpus).Where(g => !g.IsIdle).Sum(g => (long)g.ComputeFree);
        Assert.Equal(100.0 * held / replay.CapacityMilli, run.Crumbs[^1], 9);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void A_seed_replays_to_the_same_placements(string policy)
    {
        using var trace = new SyntheticTrace();
        var (nodes, pods) = trace.Mixed();
        var replay = new TraceReplay(TraceFiles.LoadNodes(nodes), TraceFiles.LoadPods(pods));

        static string State(ClusterView c) => string.Join(";", c.Nodes.Select(n => $"{n.CpuFree},{n.MemoryFree}:{string.Join(",", n.Gpus.Select(g => g.ComputeFree))}"));

        var first = replay.Run(TracePolicies.Create(policy, replay, seed: 11), seed: 11);
        var again = replay.Run(TracePolicies.Create(policy, replay, seed: 11), seed: 11);
        Assert.Equal(first.Allocation, again.Allocation);
        Assert.Equal(first.FragmentationRate, again.FragmentationRate);
        Assert.Equal((first.Pods, first.Failed), (again.Pods, again.Failed));
        Assert.Equal(State(first.Cluster), State(again.Cluster));
    }

    [Fact]
    public void Different_seeds_give_different_arrival_orders()
    {
        using var trace = new SyntheticTrace();
        var (nodes, pods) = trace.Mixed();
        var replay = new TraceReplay(TraceFiles.LoadNodes(nodes), TraceFiles.LoadPods(pods));
        Assert.NotEqual(replay.Arrivals(1), replay.Arrivals(2));
        Assert.Equal(replay.Arrivals(2), replay.Arrivals(2));
    }

    [Fact]
    public void A_pod_that_fits_nowhere_fails_and_is_not_retried()
    {
        using var trace = new SyntheticTrace();
        var nodes = TraceFiles.LoadNodes(trace.Nodes((16_000, 65_536, 2, "T4")));

        // The 4-GPU pod can never fit; four of the six half-card slices fit. The trace alone is past 130%, so nothing is copied.
        var slice = (1000L, 1024L, 1, 500, "");
        var pods = TraceFiles.LoadPods(trace.Pods(true, (1000, 1024, 4, 1000, ""), slice, slice, slice, slice, slice, slice));
        var replay = new TraceReplay(nodes, pods);
        var run = replay.Run(TracePolicies.Create(BestFitPolicy.PolicyName, replay, 0), 0);

        Assert.Equal(7, run.Pods);
        Assert.Equal(1 + 2, run.Failed);
        Assert.Equal(7000, run.ArrivedMilli);
        Assert.Equal(2000, run.AllocatedMilli);
    }
}
