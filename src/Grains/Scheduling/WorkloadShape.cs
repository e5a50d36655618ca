namespace Orion.Grains.Scheduling;

/// <summary>A kind of task by its resource demand, as the fragmentation measure sees it.</summary>
/// <param name="GpuCount">Cards.</param>
/// <param name="ComputeMilli">Compute per card.</param>
/// <param name="GpuMemoryMiB">Memory per card (0 = whole card).</param>
/// <param name="CpuMilli">Host CPU.</param>
/// <param name="HostMemoryMiB">Host memory.</param>
/// <param name="GpuModels">Allowed models joined by '|', empty = any.</param>
public sealed record WorkloadShape(int GpuCount, int ComputeMilli, long GpuMemoryMiB, long CpuMilli, long HostMemoryMiB, string GpuModels)
{
    private PlacementRequest? request;

    /// <summary>The shape as a request, for the shared feasibility rules.</summary>
    public PlacementRequest AsRequest => request ??= new PlacementRequest(
        GpuCount, ComputeMilli, GpuMemoryMiB, CpuMilli, HostMemoryMiB,
        GpuModels.Length == 0 ? [] : GpuModels.Split('|'));

    // Equality is by demand only: the cached request must not change a shape's hash once it is a dictionary key.
    public bool Equals(WorkloadShape? other) =>
        other is not null && GpuCount == other.GpuCount && ComputeMilli == other.ComputeMilli && GpuMemoryMiB == other.GpuMemoryMiB
        && CpuMilli == other.CpuMilli && HostMemoryMiB == other.HostMemoryMiB && string.Equals(GpuModels, other.GpuModels, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(GpuCount, ComputeMilli, GpuMemoryMiB, CpuMilli, HostMemoryMiB, GpuModels);

    public static WorkloadShape Of(PlacementRequest r) =>
        new(r.GpuCount, r.ComputeMilli, r.GpuMemoryMiB, r.CpuMilli, r.HostMemoryMiB, string.Join('|', r.GpuModels));
}
