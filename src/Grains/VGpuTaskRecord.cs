using Orion.Contracts;

namespace Orion.Grains;

/// <summary>A task grain's persisted state.</summary>
[GenerateSerializer, Alias("orion.VGpuTaskRecord")]
public sealed class VGpuTaskRecord
{
    [Id(0)]
    public VGpuTaskStatus? Status { get; set; }

    /// <summary>The last demand transition's sequence; older ones are stale.</summary>
    [Id(1)]
    public long DemandSequence { get; set; }

    /// <summary>The online demand in force.</summary>
    [Id(2)]
    public bool Busy { get; set; }

    /// <summary>True while paused because its window closed (Pause policy), as opposed to arbitration.</summary>
    [Id(3)]
    public bool WindowPaused { get; set; }
}
