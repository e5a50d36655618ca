using Orion.Contracts;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>A node's NVIDIA cards as NVML reports them.</summary>
public static class NvidiaDevices
{
    // The reference card (relative speed 1.0) is an A100: 6,912 CUDA cores at 1,410 MHz.
    private const double ReferenceCoreMhz = 6912.0 * 1410.0;

    // PCIe bandwidth per lane and direction, GB/s, by link generation (after 128b/130b and 242B/256B encoding).
    private static readonly double[] LaneGBps = [0, 0.25, 0.5, 0.985, 1.969, 3.938, 7.563];

    /// <summary>
    /// Every card NVML sees, as <c>dc/node/index</c> devices. Speed is the catalogue's figure for a model it knows, else
    /// CUDA cores × top SM clock against the reference card (an FP32 measure: it rates newer cards above their tensor
    /// throughput ratio); the host link comes from the PCIe link's generation and width.
    /// </summary>
    /// <exception cref="BackendException">NVML is missing, cannot start, or finds no card.</exception>
    public static IReadOnlyList<GpuDevice> Discover(string nodeId)
    {
        using var session = NvmlSession.Open("to discover the cards");
        Nvml.Check(Nvml.DeviceGetCount(out var count), "count the devices");
        if (count == 0)
        {
            throw new BackendException("NVML found no GPU on this machine");
        }

        var devices = new List<GpuDevice>((int)count);
        var handles = new IntPtr[count];
        for (var i = 0u; i < count; i++)
        {
            Nvml.Check(Nvml.DeviceGetHandleByIndex(i, out var handle), $"open device {i}");
            handles[i] = handle;
            devices.Add(Describe(nodeId, (int)i, handle));
        }

        var domains = LinkDomainsOf(handles);
        return [.. devices.Select((d, i) => d with { LinkDomain = domains[i] })];
    }

    /// <summary>
    /// The cards' link groups: by NVLink where any pair has it (NVML's peer-to-peer status over NVLink), else by a shared
    /// PCIe switch tree (common ancestor no higher than NVML_TOPOLOGY_MULTIPLE). A query the driver refuses links nothing.
    /// </summary>
    private static int[] LinkDomainsOf(IntPtr[] handles)
    {
        bool NvLinked(int i, int j) => Nvml.DeviceGetP2PStatus(handles[i], handles[j], Nvml.P2PNvLink, out var status) == Nvml.Success && status == Nvml.P2POk;
        bool SameSwitch(int i, int j) => Nvml.DeviceGetTopologyCommonAncestor(handles[i], handles[j], out var level) == Nvml.Success && level <= Nvml.TopologyMultiple;
        var n = handles.Length;
        var anyNvLink = Enumerable.Range(0, n).Any(i => Enumerable.Range(i + 1, n - i - 1).Any(j => NvLinked(i, j)));
        return LinkDomains.Group(n, anyNvLink ? NvLinked : SameSwitch);
    }

    /// <summary>The model name Orion uses for an NVML name: vendor prefix dropped, spaces as dashes ("NVIDIA H200" → "H200").</summary>
    public static string ModelName(string nvmlName)
    {
        var name = nvmlName.Trim();
        foreach (var prefix in new[] { "NVIDIA ", "Tesla " })
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[prefix.Length..];
            }
        }

        return string.Join('-', name.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Host link bandwidth in GB/s for a PCIe link; 0 when the generation is unknown.</summary>
    public static double PcieGBps(uint generation, uint width) =>
        generation < LaneGBps.Length ? Math.Round(LaneGBps[generation] * width, 1) : 0;

    /// <summary>Speed relative to the reference card from CUDA cores and top SM clock; 0 when either is unknown.</summary>
    public static double RelativeSpeed(uint cores, uint smClockMhz) =>
        cores == 0 || smClockMhz == 0 ? 0 : Math.Round(cores * (double)smClockMhz / ReferenceCoreMhz, 2);

    private static unsafe GpuDevice Describe(string nodeId, int index, IntPtr handle)
    {
        var model = ModelName(Nvml.Text(handle, &Nvml.DeviceGetName, "name"));
        var uuid = Nvml.Text(handle, &Nvml.DeviceGetUuid, "UUID");
        Nvml.Check(Nvml.DeviceGetMemoryInfo(handle, out var memory), $"read device {index}'s memory");
        var known = GpuModelCatalog.All.FirstOrDefault(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase));

        // Optional queries: older drivers or some boards answer "not supported"; the catalogue or a neutral figure stands in.
        var speed = Nvml.DeviceGetNumGpuCores(handle, out var cores) == Nvml.Success && Nvml.DeviceGetMaxClockInfo(handle, Nvml.ClockSm, out var mhz) == Nvml.Success
            ? RelativeSpeed(cores, mhz)
            : 0;
        var link = Nvml.DeviceGetMaxPcieLinkGeneration(handle, out var generation) == Nvml.Success && Nvml.DeviceGetMaxPcieLinkWidth(handle, out var width) == Nvml.Success
            ? PcieGBps(generation, width)
            : 0;
        return new GpuDevice(
            GrainKeys.Gpu(nodeId, index),
            index,
            model,
            (long)(memory.Total / (1024 * 1024)),
            known?.RelativeSpeed ?? (speed > 0 ? speed : 1.0),
            link > 0 ? link : known?.HostLinkGBps ?? 16,
            uuid);
    }
}
