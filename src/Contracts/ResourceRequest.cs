namespace Orion.Contracts;

/// <summary>
/// What a task asks of the pool. One GPU with a compute percent below 100 is a slice of a card;
/// several GPUs are whole cards on one node.
/// </summary>
/// <param name="GpuCount">GPUs wanted: 0 (CPU only), 1 (a slice or a whole card) or more (whole cards on one node).</param>
/// <param name="ComputePercent">Share of one card's compute, in (0, 100] in steps of 0.1; 100 for whole cards; 0 with no GPU.</param>
/// <param name="GpuMemoryMiB">GPU memory per card in MiB; 0 means the whole card's memory (whole cards only).</param>
/// <param name="CpuMilli">Host CPU in milli-cores.</param>
/// <param name="HostMemoryMiB">Host memory in MiB.</param>
/// <param name="AllowSwap">Whether the task's GPU memory may be moved to host RAM while it is idle or yields.</param>
[GenerateSerializer, Alias("orion.ResourceRequest"), Immutable]
public sealed record ResourceRequest(
    [property: Id(0)] int GpuCount,
    [property: Id(1)] double ComputePercent,
    [property: Id(2)] long GpuMemoryMiB,
    [property: Id(3)] long CpuMilli = 0,
    [property: Id(4)] long HostMemoryMiB = 0,
    [property: Id(5)] bool AllowSwap = true)
{
    /// <summary>Compute per card in thousandths of a card (100% = 1000).</summary>
    public int ComputeMilli => (int)Math.Round(ComputePercent * 10, MidpointRounding.AwayFromZero);

    /// <summary>True when the task takes part of one card rather than whole cards.</summary>
    public bool IsSlice => GpuCount == 1 && ComputeMilli < 1000;

    /// <summary>A slice of one card.</summary>
    public static ResourceRequest Slice(double computePercent, long gpuMemoryMiB, long cpuMilli = 0, long hostMemoryMiB = 0) =>
        new(1, computePercent, gpuMemoryMiB, cpuMilli, hostMemoryMiB);

    /// <summary>Whole cards on one node, with all of their memory.</summary>
    public static ResourceRequest WholeGpus(int count, long cpuMilli = 0, long hostMemoryMiB = 0) =>
        new(count, 100, 0, cpuMilli, hostMemoryMiB);
}
