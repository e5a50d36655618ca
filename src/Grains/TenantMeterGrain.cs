using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orion.Contracts;
using Orion.Grains.Telemetry;
using Orion.Grains.Tenancy;

namespace Orion.Grains;

/// <summary>Keeps a tenant's usage by day (<see cref="UsageBook"/>), written with every report that adds to it.</summary>
public sealed class TenantMeterGrain(
    [PersistentState("meter", PoolOptions.StorageName)] IPersistentState<TenantMeterRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time) : Grain, ITenantMeterGrain, Access.IAccessTarget
{
    private UsageBook? book;

    private UsageBook Book => book ??= new UsageBook(record.State.Days, record.State.Tasks, record.State.Labelled, record.State.InDataCenters);

    /// <summary>Its tenant's.</summary>
    public Access.AccessTarget TargetOf(Orleans.Serialization.Invocation.IInvokable request) => new(this.GetPrimaryKeyString(), null);

    public async Task Meter(UsageReport report)
    {
        if (!record.State.Listed)
        {
            await GrainFactory.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).Metered(this.GetPrimaryKeyString());
            record.State.Listed = true;
        }

        if (Book.Take(report, time.GetUtcNow()) is not { } added)
        {
            return;
        }

        try
        {
            await record.WriteStateAsync();
        }
        catch
        {
            // Memory must not run ahead of storage: the task reports again, and the reread state counts it once.
            book = null;
            await record.ReadStateAsync();
            throw;
        }

        var tags = new TagList { { OrionTelemetry.Attributes.Tenant, this.GetPrimaryKeyString() } };
        OrionTelemetry.CardSeconds.Add(added.CardSeconds, tags);
        OrionTelemetry.MemorySeconds.Add(added.MemoryMiBSeconds * 1024 * 1024, tags);
    }

    public Task<UsageReading> Read(DateOnly from, DateOnly to) => Task.FromResult(new UsageReading(Book.Days(from, to), Book.Through()));

    public Task<UsageReading> ReadByLabel(DateOnly from, DateOnly to, string key)
    {
        if (!NodeLabels.IsValidKey(key))
        {
            throw new ArgumentException($"key '{key}' {NodeLabels.KeyRule}", nameof(key));
        }

        return Task.FromResult(new UsageReading(Book.Days(from, to), Book.Through(), Book.ByLabel(from, to, key)));
    }

    public Task<UsageReading> ReadInDataCenter(DateOnly from, DateOnly to, string dataCenter)
    {
        if (!DataCenterName.IsValid(dataCenter))
        {
            throw new ArgumentException($"dataCenter '{dataCenter}' {DataCenterName.Rule}", nameof(dataCenter));
        }

        return Task.FromResult(new UsageReading(Book.InDataCenter(from, to, dataCenter), Book.Through()));
    }

    public Task<UsageReading> ReadByDataCenter(DateOnly from, DateOnly to) =>
        Task.FromResult(new UsageReading(Book.Days(from, to), Book.Through(), ByDataCenter: Book.ByDataCenter(from, to)));
}
