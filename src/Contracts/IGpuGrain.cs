namespace Orion.Contracts;

/// <summary>One physical card: its slices and who holds them. Key: <c>dc/node/index</c>.</summary>
[Alias("orion.IGpuGrain")]
public interface IGpuGrain : IGrainWithStringKey
{
    /// <summary>Records the card as its daemon discovered it. Keeps existing slices.</summary>
    [Alias("Attach")]
    Task<GpuSnapshot> Attach(GpuDevice device, int computeCapacityMilli);

    /// <summary>Holds a slice for a task, or refuses when it no longer fits. Idempotent per task and generation.</summary>
    [Alias("Reserve")]
    Task<GpuReservationResult> Reserve(GpuSlice slice);

    /// <summary>Frees a task's slice when its generation is not newer than <paramref name="generation"/>.</summary>
    [Alias("Release")]
    Task<GpuSnapshot> Release(string taskId, long generation);

    /// <summary>The card's current allocations.</summary>
    [Alias("GetSnapshot")]
    Task<GpuSnapshot?> GetSnapshot();
}
