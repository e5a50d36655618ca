namespace Orion.Silo;

/// <summary>
/// The in-process daemons (configuration section <c>Orion:Embedded</c>). With simulated GPUs, by default
/// <see cref="Nodes"/> identical machines; <see cref="NodeList"/>, when given, lists machines one by one. With the
/// NVIDIA backend, one daemon for this machine's own cards.
/// </summary>
public sealed class EmbeddedPoolOptions
{
    public const string Section = "Orion:Embedded";

    public bool Enabled { get; set; } = true;

    /// <summary><c>simulated</c> (the machines below) or <c>nvidia</c> (this machine's cards through NVML, as one node).</summary>
    public string Backend { get; set; } = Contracts.GpuBackends.Simulated;

    /// <summary>With <see cref="Backend"/> <c>nvidia</c>: the node's name (default: this machine's name).</summary>
    public string? NodeName { get; set; }

    /// <summary>With <see cref="Backend"/> <c>nvidia</c>: a path to libnvidia-ml.so.1 when it is not on the loader's path.</summary>
    public string? NvmlLibrary { get; set; }

    /// <summary>With <see cref="Backend"/> <c>nvidia</c>: a folder for each task's output (default: the silo's own output).</summary>
    public string? TaskLogDirectory { get; set; }

    public int Nodes { get; set; } = 2;

    public int GpusPerNode { get; set; } = 4;

    public string GpuModel { get; set; } = "A100-80GB";

    public long CpuMilli { get; set; } = 64_000;

    public long MemoryMiB { get; set; } = 512 * 1024;

    public string DataCenter { get; set; } = "dc1";

    public long HostSwapMiB { get; set; } = 256 * 1024;

    /// <summary>How often each embedded daemon re-registers (its heartbeat), on the Orion clock.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long each embedded daemon waits on one attempt to deliver a report before sending it again (real time).</summary>
    public TimeSpan ReportAttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>With <see cref="Backend"/> <c>nvidia</c>: an online process is busy at this share of its card's time (0 &lt; % ≤ 100).</summary>
    public double DemandBusyPercent { get; set; } = 1;

    /// <summary>With <see cref="Backend"/> <c>nvidia</c>: how long a busy online process must stay under it to be idle again.</summary>
    public TimeSpan DemandHoldTime { get; set; } = TimeSpan.FromSeconds(2);

    public List<EmbeddedNodeOptions> NodeList { get; set; } = [];

    /// <summary>The machines to simulate.</summary>
    public IReadOnlyList<EmbeddedNodeOptions> Machines() =>
        NodeList.Count > 0
            ? NodeList
            : [.. Enumerable.Range(0, Nodes).Select(i => new EmbeddedNodeOptions
            {
                Name = $"node-{i}",
                DataCenter = DataCenter,
                GpuModel = GpuModel,
                GpuCount = GpusPerNode,
                CpuMilli = CpuMilli,
                MemoryMiB = MemoryMiB,
                HostSwapMiB = HostSwapMiB,
            })];
}
