using Orion.Contracts;

namespace Orion.Grains;

/// <summary>A task grain's persisted state.</summary>
[GenerateSerializer, Alias("orion.VGpuTaskRecord")]
public sealed class VGpuTaskRecord
{
    [Id(0)]
    public VGpuTaskStatus? Status { get; set; }
}
