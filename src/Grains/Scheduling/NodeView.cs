using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>A scheduler's mutable view of one node. Pure: no Orleans types.</summary>
public sealed class NodeView
{
    public NodeView(string id, string dataCenter, long cpuCapacityMilli, long memoryCapacityMiB, GpuView[] gpus)
    {
        Id = id;
        DataCenter = dataCenter;
        CpuCapacity = cpuCapacityMilli;
        CpuFree = cpuCapacityMilli;
        MemoryCapacity = memoryCapacityMiB;
        MemoryFree = memoryCapacityMiB;
        Gpus = gpus;
        foreach (var g in gpus)
        {
            g.Node = this;
            Grouped |= g.LinkDomain != gpus[0].LinkDomain;
        }
    }

    public string Id { get; }

    public string DataCenter { get; }

    public long CpuCapacity { get; }

    public long CpuFree { get; internal set; }

    public long MemoryCapacity { get; }

    public long MemoryFree { get; internal set; }

    public GpuView[] Gpus { get; }

    public bool Schedulable { get; internal set; } = true;

    /// <summary>Its daemon runs processes (NVIDIA cards), not the synthetic workloads (simulated cards).</summary>
    public bool RunsProcesses { get; init; }

    /// <summary>Host RAM the node sets aside for GPU memory moved off its cards.</summary>
    public long SwapBudget { get; init; }

    /// <summary>Swap budget not yet promised to oversubscribed memory.</summary>
    public long SwapFree
    {
        get
        {
            var used = 0L;
            foreach (var g in Gpus)
            {
                used += g.Overflow;
            }

            return SwapBudget - used;
        }
    }

    /// <summary>The node's labels (<see cref="NodeLabels"/>), which node selectors match; null for none.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The node's taints (<see cref="NodeTaints"/>), which a request must tolerate; null for none.</summary>
    public IReadOnlyDictionary<string, string>? Taints
    {
        get => taints;
        init => (taints, SoftTainted) = (value, NodeTaints.AnySoft(value));
    }

    /// <summary>Its maintenance windows not yet ended (<see cref="MaintenanceCalendar"/>); default or empty for none.</summary>
    public System.Collections.Immutable.ImmutableArray<MaintenanceWindow> Maintenance { get; init; }

    /// <summary>Where other machines reach its tasks (<see cref="NodeSnapshot.Address"/>); null: not advertised.</summary>
    public string? Address { get; init; }

    /// <summary>Whether one of its taints is soft: work that does not tolerate it goes elsewhere first.</summary>
    public bool SoftTainted { get; private init; }

    /// <summary>True when its cards are in more than one link group (<see cref="GpuView.LinkDomain"/>).</summary>
    public bool Grouped { get; }

    /// <summary>Tasks of each spread group (tenant, group) holding anything on the node; null while none.</summary>
    private readonly IReadOnlyDictionary<string, string>? taints;
    private Dictionary<(string Tenant, string Group), int>? spread;

    /// <summary>How many tasks of the tenant's spread group hold anything on the node.</summary>
    public int SpreadCount(string tenant, string group) => spread?.GetValueOrDefault((tenant, group)) ?? 0;

    /// <summary>Counts <paramref name="delta"/> more (or fewer) tasks of a spread group on the node.</summary>
    internal void AddSpread(string tenant, string group, int delta)
    {
        spread ??= [];
        var n = spread.GetValueOrDefault((tenant, group)) + delta;
        if (n > 0)
        {
            spread[(tenant, group)] = n;
        }
        else
        {
            spread.Remove((tenant, group));
        }

        Cluster?.SpreadMoved(this, tenant, group, delta);
    }

    /// <summary>Whether the node holds any task of a spread group.</summary>
    internal bool HoldsSpread => spread is { Count: > 0 };

    /// <summary>The view the node is in (a spread group's domains are counted over it); null outside one.</summary>
    public ClusterView? Cluster { get; internal set; }

    /// <summary>Bumped whenever the view's free capacity changes here (placements applied or released), so policies can cache per-node scores.</summary>
    public long Revision { get; internal set; }

    private long roomAt = -1;
    private (int IdleCards, long FreeCompute) room;

    /// <summary>The owner's version this view was built from.</summary>
    public long Version { get; internal set; }

    /// <summary>Position in the cluster view; ties between equal scores go to the lower one.</summary>
    public int Ordinal { get; internal set; }

    /// <summary>Bumped by every change to the node's free capacity; unlike <see cref="Revision"/>, never put back.</summary>
    internal long Changes { get; set; }

    /// <summary>
    /// Idle cards (free of any reservation) and free compute over the cards, kept until the node's capacity changes: a
    /// data centre's summary reads every node after every placement round, and most nodes did not change in it.
    /// </summary>
    public (int IdleCards, long FreeCompute) Room
    {
        get
        {
            if (roomAt != Changes)
            {
                var (idle, free) = (0, 0L);
                foreach (var g in Gpus)
                {
                    idle += g.ComputeFree == g.ComputeCapacity && g.MemoryFree == g.MemoryCapacity ? 1 : 0;
                    free += Math.Max(0, g.ComputeFree);
                }

                (room, roomAt) = ((idle, free), Changes);
            }

            return room;
        }
    }

    public int IdleGpuCount
    {
        get
        {
            var n = 0;
            foreach (var g in Gpus)
            {
                if (g.IsIdle)
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>Free compute on the node's cards, in thousandths of a card, each card capped at one.</summary>
    public long GpuComputeFree
    {
        get
        {
            long sum = 0;
            foreach (var g in Gpus)
            {
                sum += g.UsableCompute;
            }

            return sum;
        }
    }

    /// <summary>True when the two have the same maintenance windows.</summary>
    public bool SameMaintenance(NodeView other) =>
        Maintenance.IsDefaultOrEmpty ? other.Maintenance.IsDefaultOrEmpty : !other.Maintenance.IsDefaultOrEmpty && Maintenance.SequenceEqual(other.Maintenance);

    /// <summary>True when <paramref name="other"/> is the same node with the same free capacity on the host and every card.</summary>
    public bool Matches(NodeView other)
    {
        if (Id != other.Id || !SameState(other) || !SameSpread(other) || !NodeLabels.Same(Labels, other.Labels) || !NodeLabels.Same(Taints, other.Taints)
            || !SameMaintenance(other))
        {
            return false;
        }

        // The same state card by card; the same cards too.
        for (var i = 0; i < Gpus.Length; i++)
        {
            if (Gpus[i].Id != other.Gpus[i].Id || Gpus[i].Index != other.Gpus[i].Index || Gpus[i].LinkDomain != other.Gpus[i].LinkDomain)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="other"/> has the same capacity and free capacity on the host and every card, whatever
    /// the ids: a policy scores the two alike. Keep in step with the state a policy reads (and <see cref="StateHash"/>).
    /// </summary>
    public bool SameState(NodeView other)
    {
        if (CpuCapacity != other.CpuCapacity || CpuFree != other.CpuFree || MemoryCapacity != other.MemoryCapacity
            || MemoryFree != other.MemoryFree || Schedulable != other.Schedulable || SwapBudget != other.SwapBudget
            || RunsProcesses != other.RunsProcesses
            || Gpus.Length != other.Gpus.Length || !string.Equals(DataCenter, other.DataCenter, StringComparison.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < Gpus.Length; i++)
        {
            if (!Gpus[i].SameState(other.Gpus[i]))
            {
                return false;
            }
        }

        return true;
    }

    private bool SameSpread(NodeView other)
    {
        var (mine, theirs) = (spread?.Count ?? 0, other.spread?.Count ?? 0);
        if (mine != theirs)
        {
            return false;
        }

        foreach (var (key, n) in spread ?? [])
        {
            if (other.spread!.GetValueOrDefault(key) != n)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A hash of what <see cref="SameState"/> compares.</summary>
    public int StateHash()
    {
        var hash = HashCode.Combine(CpuCapacity, CpuFree, MemoryCapacity, MemoryFree, Schedulable, SwapBudget, Gpus.Length, RunsProcesses);
        foreach (var g in Gpus)
        {
            hash = HashCode.Combine(hash, g.StateHash());
        }

        return hash;
    }

    /// <summary>A detached copy of the node's state (same ids, no ordinal), which later changes to this view leave alone.</summary>
    public NodeView CopyState()
    {
        var gpus = new GpuView[Gpus.Length];
        for (var i = 0; i < gpus.Length; i++)
        {
            gpus[i] = Gpus[i].CopyState();
        }

        return new NodeView(Id, DataCenter, CpuCapacity, MemoryCapacity, gpus)
        {
            CpuFree = CpuFree,
            MemoryFree = MemoryFree,
            Schedulable = Schedulable,
            SwapBudget = SwapBudget,
            RunsProcesses = RunsProcesses,
            Labels = Labels,
            Taints = Taints,
            Maintenance = Maintenance,
            spread = spread is null ? null : new(spread),
        };
    }

    /// <summary>Builds a view from the owner's snapshot.</summary>
    public static NodeView FromSnapshot(NodeSnapshot snapshot)
    {
        // A broken or cordoned card is not in the view at all: nothing can be placed on it, and nothing there is anyone's to
        // evict for new work (it would not take the work).
        var closed = snapshot.Faults.IsDefaultOrEmpty && snapshot.CordonedCards is not { Count: > 0 } ? 0 : snapshot.Gpus.Count(g => !snapshot.TakesWork(g.Device.GpuId));
        var gpus = new GpuView[snapshot.Gpus.Length - closed];
        for (int i = 0, n = 0; i < snapshot.Gpus.Length; i++)
        {
            var s = snapshot.Gpus[i];
            if (closed > 0 && !snapshot.TakesWork(s.Device.GpuId))
            {
                continue;
            }

            var g = new GpuView(s.Device.GpuId, s.Device.Index, s.Device.Model, s.ComputeCapacityMilli,
                s.MemoryCapacityMiB > 0 ? s.MemoryCapacityMiB : s.Device.MemoryMiB, s.Device.MemoryMiB) { LinkDomain = s.Device.LinkDomain };
            foreach (var slice in s.Slices)
            {
                g.ComputeFree -= slice.ComputeMilli;
                g.MemoryFree -= slice.MemoryMiB;
                g.PinnedMemory += slice.Swappable ? 0 : slice.MemoryMiB;
                g.OnlineCompute += slice.Priority?.Class == PriorityClass.Online ? slice.ComputeMilli : 0;
                g.OnlineMemory += slice.Priority?.Class == PriorityClass.Online ? slice.MemoryMiB : 0;
                g.OnlineSwappableMemory += slice.Priority?.Class == PriorityClass.Online && slice.Swappable ? slice.MemoryMiB : 0;
                g.Holders++;
                g.Exclusive |= slice.Exclusive;
            }

            gpus[n++] = g;
        }

        Dictionary<(string Tenant, string Group), int>? spread = null;
        if (!snapshot.Spread.IsDefaultOrEmpty)
        {
            spread = [];
            foreach (var c in snapshot.Spread)
            {
                spread[(c.Tenant, c.Group)] = c.Count;
            }
        }

        return new NodeView(snapshot.NodeId, snapshot.DataCenter, snapshot.CpuCapacityMilli, snapshot.MemoryCapacityMiB, gpus)
        {
            spread = spread,
            Labels = snapshot.Labels is { Count: > 0 } labels ? labels : null,
            Taints = snapshot.Taints is { Count: > 0 } taints ? taints : null,
            Maintenance = snapshot.Maintenance,
            Address = snapshot.Address,
            CpuFree = snapshot.CpuCapacityMilli - snapshot.CpuAllocatedMilli,
            MemoryFree = snapshot.MemoryCapacityMiB - snapshot.MemoryAllocatedMiB,
            Schedulable = snapshot.Schedulable,
            SwapBudget = snapshot.HostSwapMiB,
            RunsProcesses = GpuBackends.RunsProcesses(snapshot.Backend),
            Version = snapshot.Version,
        };
    }
}
