namespace Orion.Silo;

/// <summary>One simulated machine of the embedded pool.</summary>
public sealed class EmbeddedNodeOptions
{
    public string Name { get; set; } = "node-0";

    public string DataCenter { get; set; } = "dc1";

    public string GpuModel { get; set; } = "A100-80GB";

    public int GpuCount { get; set; } = 4;

    public long CpuMilli { get; set; } = 64_000;

    public long MemoryMiB { get; set; } = 512 * 1024;

    /// <summary>Host RAM set aside for GPU memory moved off the cards.</summary>
    public long HostSwapMiB { get; set; } = 256 * 1024;

    /// <summary>Where other machines reach the node's tasks (a gang's <c>MASTER_ADDR</c>): the embedded pool's machines are all this host.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The node's labels (<c>Orion:Embedded:NodeList:0:Labels:fabric=nvlink</c>), which tasks' node selectors match.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>The node's taints (<c>Orion:Embedded:NodeList:0:Taints:dedicated=training</c>): only tasks that tolerate them all run there.</summary>
    public Dictionary<string, string> Taints { get; set; } = [];

    /// <summary>
    /// Simulated cards that start broken, by index, with what broke (<c>Orion:Embedded:NodeList:0:Faults:1=Xid 79</c>): to
    /// rehearse a card failure. They take no work and show as faulted.
    /// </summary>
    public Dictionary<int, string> Faults { get; set; } = [];

    /// <summary>
    /// Simulated cards per link group (<c>Orion:Embedded:NodeList:0:LinkDomainSize=4</c>: cards 0–3 and 4–7 on NVLink
    /// each, PCIe between); 0, the default: all alike. A task spanning groups runs at the simulator's cross-group pace.
    /// </summary>
    public int LinkDomainSize { get; set; }
}
