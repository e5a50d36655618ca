using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>What a daemon tells its node grain when it (re)registers.</summary>
/// <param name="NodeId">Cluster-wide node id, <c>dc/node</c>.</param>
/// <param name="DataCenter">The node's data centre.</param>
/// <param name="CpuMilli">Allocatable CPU in milli-cores.</param>
/// <param name="MemoryMiB">Allocatable host memory in MiB.</param>
/// <param name="Gpus">The node's cards.</param>
/// <param name="Backend">The backend's name (simulated, nvidia).</param>
/// <param name="HostSwapMiB">Host RAM set aside for GPU memory moved off the cards.</param>
/// <param name="Running">What the daemon really runs now, for reconciliation.</param>
/// <param name="Instance">The daemon process's identity: a new one means it restarted and lost what it ran.</param>
/// <param name="Usage">What its cards did when it registered, as measured (empty when the backend cannot say).</param>
/// <param name="Labels">The node's labels (<see cref="NodeLabels"/>), which tasks' node selectors match; null for none.</param>
/// <param name="Taints">The node's taints (<see cref="NodeTaints"/>): only tasks that tolerate them all run there; null for none.</param>
/// <param name="SliceEnforcement">What holds a task to its slice: <c>model</c> (the simulator), <c>mps</c> (NVIDIA MPS), <c>none</c> (tasks time-share a card).</param>
/// <param name="Address">Where other machines reach this node's tasks (a host name or IP address): a gang led from here gives it its members as <c>MASTER_ADDR</c>; null: not advertised.</param>
/// <param name="Faults">Its cards that are broken now (<see cref="CardFault"/>); empty or default when all are healthy.</param>
[GenerateSerializer, Alias("orion.NodeRegistration"), Immutable]
public sealed record NodeRegistration(
    [property: Id(0)] string NodeId,
    [property: Id(1)] string DataCenter,
    [property: Id(2)] long CpuMilli,
    [property: Id(3)] long MemoryMiB,
    [property: Id(4)] ImmutableArray<GpuDevice> Gpus,
    [property: Id(5)] string Backend,
    [property: Id(6)] long HostSwapMiB = 0,
    [property: Id(7)] ImmutableArray<RunningTask> Running = default,
    [property: Id(8)] string Instance = "",
    [property: Id(9)] ImmutableArray<CardUsage> Usage = default,
    [property: Id(10)] string SliceEnforcement = "",
    [property: Id(11)] ImmutableDictionary<string, string>? Labels = null,
    [property: Id(12)] ImmutableDictionary<string, string>? Taints = null,
    [property: Id(13)] ImmutableArray<CardFault> Faults = default,
    [property: Id(14)] string? Address = null);
