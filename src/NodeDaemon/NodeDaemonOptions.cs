namespace Orion.NodeDaemon;

/// <summary>Who a daemon is: its node's name, data centre and host capacity.</summary>
public sealed class NodeDaemonOptions
{
    public string NodeName { get; set; } = Environment.MachineName.ToLowerInvariant();

    public string DataCenter { get; set; } = "dc1";

    /// <summary>Allocatable CPU in milli-cores.</summary>
    public long CpuMilli { get; set; } = 64_000;

    /// <summary>Allocatable host memory in MiB.</summary>
    public long MemoryMiB { get; set; } = 512 * 1024;

    /// <summary>Host RAM set aside for GPU memory moved off the cards, in MiB.</summary>
    public long HostSwapMiB { get; set; } = 256 * 1024;

    /// <summary>How often the daemon re-registers (observers are not durable; this also serves as its heartbeat).</summary>
    public TimeSpan RegistrationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the daemon waits on one attempt to deliver a report (started, exited) before it sends it again. A report
    /// sent to a task grain on a silo that just died is never answered, and Orleans' client gives up only after its 30 s
    /// response timeout, holding every report queued behind it; the grains take a report sent twice as one. A busy or idle
    /// reading told to the cards waits no longer either: the next reading tells them again.
    /// </summary>
    public TimeSpan ReportAttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the daemon reads how much its online processes compute, to tell their cards when they turn busy.</summary>
    public TimeSpan DemandReadInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The share of its cards' time (percent) an online process must compute in a reading to count as busy.</summary>
    public double DemandBusyPercent { get; set; } = 1;

    /// <summary>How long a busy online process must compute less than that before it counts as idle again.</summary>
    public TimeSpan DemandHoldTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Where other machines reach this node's tasks, a host name or IP address: a gang led from here gives it its members
    /// as <c>MASTER_ADDR</c>. Null: not advertised (the daemon's command line defaults it to the host's name).
    /// </summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>The node's labels (<see cref="Contracts.NodeLabels"/>), which tasks' node selectors match.</summary>
    public System.Collections.Immutable.ImmutableDictionary<string, string> Labels { get; set; } = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty;

    /// <summary>The node's taints (<see cref="Contracts.NodeTaints"/>): only tasks that tolerate them all run here.</summary>
    public System.Collections.Immutable.ImmutableDictionary<string, string> Taints { get; set; } = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty;

    public string NodeId => Contracts.GrainKeys.Node(DataCenter, NodeName);
}
