using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// What a tenant's tasks have held, day by day (UTC), for showback and chargeback: compute in card-seconds and GPU memory
/// in MiB-seconds, from placement until the capacity was let go (paused time included: the slice was held). Each task
/// reports as its runs end, and a run under way every <c>UsageCheckpointInterval</c> as it goes. Key: the tenant's name.
/// </summary>
[Alias("orion.ITenantMeterGrain")]
public interface ITenantMeterGrain : IGrainWithStringKey
{
    /// <summary>Takes in a task's report (idempotent: only what it held beyond its last report counts).</summary>
    [Access(Callers.None)]
    [Alias("Meter")]
    Task Meter(UsageReport report);

    /// <summary>
    /// The days from <paramref name="from"/> to <paramref name="to"/> (both included) with anything held, in order, and how
    /// far each run under way has been counted.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("Read"), ReadOnly]
    Task<UsageReading> Read(DateOnly from, DateOnly to);

    /// <summary>
    /// As <see cref="Read"/>, with the days also split by the value of one label of the tasks (<see cref="TaskSpec.Labels"/>):
    /// what a project or a sweep held, for chargeback below the tenant.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("ReadByLabel"), ReadOnly]
    Task<UsageReading> ReadByLabel(DateOnly from, DateOnly to, string key);

    /// <summary>
    /// As <see cref="Read"/>, with only the days of the runs in <paramref name="dataCenter"/> (metered there since this
    /// build): what fair sharing by usage history weighs against that data centre's cards.
    /// </summary>
    [Access(Callers.Anyone)]
    [Alias("ReadInDataCenter"), ReadOnly]
    Task<UsageReading> ReadInDataCenter(DateOnly from, DateOnly to, string dataCenter);

    /// <summary>As <see cref="Read"/>, with the days also split by the data centre the runs were in, for chargeback by site.</summary>
    [Access(Callers.Anyone)]
    [Alias("ReadByDataCenter"), ReadOnly]
    Task<UsageReading> ReadByDataCenter(DateOnly from, DateOnly to);
}
