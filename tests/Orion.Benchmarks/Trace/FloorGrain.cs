using Orion.Contracts;
using Orion.Grains;

namespace Orion.Benchmarks.Trace;

/// <summary>
/// The baseline the through-grains replay is measured against: a grain per pod that activates (reading its state from
/// the same storage as a task), takes the spec in one call and writes it once. Orion's submission does this and then
/// queues, places, reserves and starts the task.
/// </summary>
public sealed class FloorGrain([PersistentState("floor", PoolOptions.StorageName)] IPersistentState<FloorRecord> record) : Grain, IFloorGrain
{
    public async Task<long> Submit(TaskSpec spec)
    {
        record.State.Spec = spec;
        record.State.Version++;
        await record.WriteStateAsync();
        return record.State.Version;
    }
}
