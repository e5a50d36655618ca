using Orion.Contracts;

namespace Orion.Benchmarks.Trace;

/// <summary>A floor grain's persisted state: the spec, as a task keeps it.</summary>
[GenerateSerializer, Alias("orion.bench.FloorRecord")]
public sealed class FloorRecord
{
    [Id(0)]
    public TaskSpec? Spec { get; set; }

    [Id(1)]
    public long Version { get; set; }
}
