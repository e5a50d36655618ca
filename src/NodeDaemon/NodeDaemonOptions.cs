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

    public string NodeId => Contracts.GrainKeys.Node(DataCenter, NodeName);
}
