using System.Diagnostics;
using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.Trace;

/// <summary>
/// Replays a trace by the published protocol (openb README): per seed, the pods in a shuffled order, inflated
/// with randomly drawn copies until the requested GPU reaches 130% of the cluster's; no departures; a pod that
/// fits nowhere when it arrives fails for good.
/// </summary>
public sealed class TraceReplay
{
    /// <summary>GPU cards get this nominal memory and sharing pods a proportional share of it, so memory never binds before compute.</summary>
    public const long NominalGpuMemory = 1000;

    private readonly IReadOnlyList<TraceNode> nodes;

    public TraceReplay(IReadOnlyList<TraceNode> nodes, IReadOnlyList<TracePod> pods, string name = "trace")
    {
        if (pods.Count == 0)
        {
            throw new ArgumentException("the pod list is empty", nameof(pods));
        }

        this.nodes = nodes;
        Name = name;
        Pods = pods;
        CapacityMilli = nodes.Sum(n => n.Gpus * 1000L);
        if (CapacityMilli == 0)
        {
            throw new ArgumentException("the node list has no GPUs", nameof(nodes));
        }

        Requests = pods.Select(RequestOf).ToArray();
        TypicalMix = WorkloadMix.FromRequests(Requests);
    }

    /// <summary>Arrived workload (% of cluster GPU) at which allocation and fragmentation are recorded.</summary>
    public static IReadOnlyList<int> Checkpoints { get; } = [50, 60, 70, 80, 90, 100, 110, 120, 130];

    /// <summary>The inflation target: arrivals continue until the requested GPU reaches this % of capacity.</summary>
    public const int InflatePercent = 130;

    /// <summary>The trace's name in results (the pod file's name).</summary>
    public string Name { get; }

    public IReadOnlyList<TracePod> Pods { get; }

    public long CapacityMilli { get; }

    /// <summary>The trace's typical pod mix (95% by popularity, CPU-only pods included), as FGD defines it.</summary>
    public WorkloadMix TypicalMix { get; }

    /// <summary>The trace's pods as placement requests, in file order.</summary>
    public IReadOnlyList<PlacementRequest> Requests { get; }

    /// <summary>A trace pod as the product's placement sees it.</summary>
    public static PlacementRequest RequestOf(TracePod pod) => pod.GpuCount switch
    {
        0 => new PlacementRequest(0, 0, 0, pod.CpuMilli, pod.MemoryMiB, pod.GpuModels),
        1 => new PlacementRequest(1, pod.GpuMilli, pod.GpuMilli * NominalGpuMemory / 1000, pod.CpuMilli, pod.MemoryMiB, pod.GpuModels),
        _ => new PlacementRequest(pod.GpuCount, 1000, 0, pod.CpuMilli, pod.MemoryMiB, pod.GpuModels),
    };

    /// <summary>A fresh, empty cluster of the trace's nodes.</summary>
    public ClusterView BuildCluster()
    {
        var view = new ClusterView();
        foreach (var n in nodes)
        {
            var gpus = Enumerable.Range(0, n.Gpus).Select(i => new GpuView($"{n.Name}/{i}", i, n.Model, 1000, NominalGpuMemory)).ToArray();
            view.Upsert(new NodeView(n.Name, "trace", n.CpuMilli, n.MemoryMiB, gpus));
        }

        return view;
    }

    /// <summary>The arrival order for a seed: every pod once, shuffled, then random copies up to 130% of capacity.</summary>
    public IReadOnlyList<int> Arrivals(int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, Pods.Count).ToArray();
        random.Shuffle(order);
        var arrivals = new List<int>(order);
        var target = CapacityMilli * InflatePercent / 100;
        var requested = order.Sum(i => Pods[i].RequestedGpuMilli);
        var anyGpu = Pods.Any(p => p.RequestedGpuMilli > 0);
        while (requested < target && anyGpu)
        {
            var i = random.Next(Pods.Count);
            arrivals.Add(i);
            requested += Pods[i].RequestedGpuMilli;
        }

        return arrivals;
    }

    /// <summary>Replays one seed under a policy. Every arriving pod is shown to the policy (Observe) before it is placed.</summary>
    public ReplayRun Run(IPlacementPolicy policy, int seed)
    {
        var cluster = BuildCluster();
        var arrivals = Arrivals(seed);
        var allocation = new double[Checkpoints.Count];
        var fragmentation = new double[Checkpoints.Count];
        var ceiling = new double[Checkpoints.Count];
        var pairing = new PairingCeiling();
        var packing = new OfflinePacking();
        var idleCards = new double[Checkpoints.Count];
        var crumbs = new double[Checkpoints.Count];
        var packedCrumbs = new double[Checkpoints.Count];
        var next = 0;
        long arrived = 0;
        long allocated = 0;
        var failed = 0;
        var clock = new Stopwatch();
        foreach (var i in arrivals)
        {
            var request = Requests[i];
            clock.Start();
            policy.Observe(request);
            var choice = policy.Choose(cluster, request);
            if (choice is not null)
            {
                ClusterView.Apply(choice, request);
            }

            clock.Stop();
            if (choice is null)
            {
                failed++;
            }
            else
            {
                allocated += request.TotalGpuMilli;
                if (Pods[i].GpuCount == 1)
                {
                    pairing.Add(Pods[i].GpuMilli);
                    packing.Add(Pods[i].GpuMilli);
                }

            }

            arrived += Pods[i].RequestedGpuMilli;
            while (next < Checkpoints.Count && arrived * 100 >= Checkpoints[next] * CapacityMilli)
            {
                allocation[next] = 100.0 * allocated / CapacityMilli;
                fragmentation[next] = FragmentationRate.Of(cluster, TypicalMix);
                ceiling[next] = pairing.Percent(CapacityMilli);
                var (idle, partly) = IdleOf(cluster);
                idleCards[next] = 100.0 * idle / CapacityMilli;
                crumbs[next] = 100.0 * partly / CapacityMilli;
                packedCrumbs[next] = 100.0 * packing.Waste() / CapacityMilli;
                next++;
            }
        }

        return new ReplayRun(seed, allocation, fragmentation, ceiling, arrivals.Count, failed, arrived, allocated, clock.Elapsed.TotalSeconds, cluster)
        {
            IdleCards = idleCards,
            Crumbs = crumbs,
            PackedCrumbs = packedCrumbs,
        };
    }

    /// <summary>The free compute on cards no task holds, and on cards that tasks hold in part (milli).</summary>
    public static (long IdleCards, long Crumbs) IdleOf(ClusterView cluster)
    {
        long idle = 0, crumbs = 0;
        foreach (var node in cluster.Nodes)
        {
            foreach (var gpu in node.Gpus)
            {
                if (gpu.IsIdle)
                {
                    idle += gpu.ComputeFree;
                }
                else
                {
                    crumbs += gpu.ComputeFree;
                }
            }
        }

        return (idle, crumbs);
    }
}
