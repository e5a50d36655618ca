namespace Orion.Benchmarks.Trace;

/// <summary>One task of a trace's pod file.</summary>
/// <param name="Name">The pod's name.</param>
/// <param name="CpuMilli">Host CPU in thousandths of a core.</param>
/// <param name="MemoryMiB">Host memory.</param>
/// <param name="GpuCount">Cards (0 = CPU only).</param>
/// <param name="GpuMilli">Thousandths of a card per card; below 1000 only for one-card sharing pods.</param>
/// <param name="GpuModels">Allowed models; empty = any.</param>
public sealed record TracePod(string Name, long CpuMilli, long MemoryMiB, int GpuCount, int GpuMilli, IReadOnlyList<string> GpuModels)
{
    /// <summary>GPU the pod asks for in total, in thousandths of a card (the protocol's unit of arrived workload).</summary>
    public long RequestedGpuMilli => GpuCount == 0 ? 0 : GpuCount == 1 ? GpuMilli : GpuCount * 1000L;
}
