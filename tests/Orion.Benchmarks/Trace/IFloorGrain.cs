using Orion.Contracts;

namespace Orion.Benchmarks.Trace;

/// <summary>The least a submitted task can cost in Orleans: a new grain, one call, one state write.</summary>
[Alias("orion.bench.IFloorGrain")]
public interface IFloorGrain : IGrainWithStringKey
{
    [Alias("Submit")]
    Task<long> Submit(TaskSpec spec);
}
