using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.Grains.Tenancy;
using Orion.Grains.Telemetry;

namespace Orion.Grains;

/// <summary>
/// Keeps a tenant's quota and charges its live tasks against it. One grain per tenant serialises admissions, so
/// concurrent submits cannot pass a limit together. Without a quota nothing is written: an admission is a memory lookup.
/// A charge whose release was lost (a silo died between a task's end and its message) is found by a recheck of the
/// charged tasks before any refusal.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant", PoolOptions.StorageName)] IPersistentState<TenantRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private TenantLedger ledger = null!;

    private string Tenant => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ledger = new TenantLedger(Tenant, record.State.Quota, record.State.Charges);
        return Task.CompletedTask;
    }

    public async Task<ImmutableArray<ValidationError>> Admit(string taskId, ResourceRequest request)
    {
        var now = time.GetUtcNow();
        ledger.Forget(now);
        if (ledger.Holds(taskId))
        {
            return [];
        }

        var charge = TenantCharge.Of(request, now);
        if (ledger.Quota is null)
        {
            ledger.Remember(taskId, charge);
            return [];
        }

        var refusal = ledger.Refusal(charge);
        if (!refusal.IsEmpty && await Recheck(now))
        {
            refusal = ledger.Refusal(charge);
        }

        if (!refusal.IsEmpty)
        {
            logger.LogInformation("Task {TaskId} of tenant {Tenant} refused: {Refusal}", taskId, Tenant, string.Join("; ", refusal));
            OrionTelemetry.QuotaRefusals.Add(1, new TagList { { OrionTelemetry.Attributes.Tenant, Tenant } });
            return refusal;
        }

        ledger.Charge(taskId, charge);
        try
        {
            await Write();
        }
        catch
        {
            // Not charged unless stored: the submit fails, and its retry asks again.
            ledger.Release(taskId);
            throw;
        }

        return [];
    }

    public async Task Release(string taskId)
    {
        if (ledger.Release(taskId))
        {
            await Write();
        }
    }

    public async Task<TenantUsage> SetQuota(TenantQuota? quota)
    {
        // Checked here too, for callers past the SDK.
        if (!TenantName.IsValid(Tenant))
        {
            throw new ArgumentException($"tenant {TenantName.Rule}", "tenant");
        }

        var errors = quota?.Validate() ?? [];
        if (!errors.IsEmpty)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(quota));
        }

        var before = (record.State.Quota, Charges: new Dictionary<string, TenantCharge>(ledger.Charges, StringComparer.Ordinal));
        if (ledger.Quota is null && quota is { IsUnlimited: false })
        {
            // Charged from now on: the tasks already live, as the catalogue lists them, and those admitted a moment ago.
            var now = time.GetUtcNow();
            ledger.Forget(now);
            var listed = await Listed();
            var live = listed.Where(t => !t.State.IsTerminal()).Select(t => KeyValuePair.Create(t.TaskId, TenantCharge.Of(t.Spec.Resources, now)));
            ledger.SetQuota(quota, live, listed.Where(t => t.State.IsTerminal()).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal));
        }
        else
        {
            ledger.SetQuota(quota, [], new HashSet<string>());
        }

        try
        {
            await Write();
        }
        catch
        {
            ledger = new TenantLedger(Tenant, before.Quota, before.Charges);
            throw;
        }

        logger.LogInformation("Tenant {Tenant} quota set to {Quota}", Tenant, ledger.Quota);
        return await GetUsage();
    }

    public async Task<TenantUsage> GetUsage()
    {
        if (ledger.Quota is not null)
        {
            return ledger.Usage();
        }

        // Nothing is charged without a quota: what the catalogue lists live is the usage.
        var now = time.GetUtcNow();
        var live = (await Listed()).Where(t => !t.State.IsTerminal()).Select(t => TenantCharge.Of(t.Spec.Resources, now));
        return TenantLedger.Usage(Tenant, null, live);
    }

    private Task<ImmutableArray<VGpuTaskStatus>> Listed() =>
        GrainFactory.Grain<ITaskCatalogGrain>(GrainKeys.Pool).List(new TaskQuery(Tenant: Tenant, Limit: int.MaxValue));

    /// <summary>Asks every charged task how it stands and lets go of the stale charges; true when any went.</summary>
    private async Task<bool> Recheck(DateTimeOffset now)
    {
        var charged = ledger.Charges.ToArray();
        var stale = (await Task.WhenAll(charged.Select(async c => await IsStale(c.Key, c.Value, now) ? c.Key : null)))
            .OfType<string>().ToArray();
        if (stale.Length == 0)
        {
            return false;
        }

        logger.LogWarning("Tenant {Tenant}: {Count} charges of ended or never-written tasks let go ({Tasks})", Tenant, stale.Length, string.Join(' ', stale.Take(10)));
        foreach (var id in stale)
        {
            ledger.Release(id);
        }

        await Write();
        return true;
    }

    private async Task<bool> IsStale(string taskId, TenantCharge charge, DateTimeOffset now)
    {
        try
        {
            return TenantLedger.Stale(charge, await GrainFactory.Grain<IVGpuTaskGrain>(taskId).PeekStatus(), now);
        }
        catch (Exception ex)
        {
            // Unknown is not stale: the charge stays until a later recheck can ask.
            logger.LogWarning(ex, "Tenant {Tenant} could not recheck task {TaskId}", Tenant, taskId);
            return false;
        }
    }

    private async Task Write()
    {
        record.State.Quota = ledger.Quota;
        record.State.Charges = new Dictionary<string, TenantCharge>(ledger.Charges, StringComparer.Ordinal);
        try
        {
            await record.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // Memory must not run ahead of storage: the next call reloads what storage holds.
            logger.LogWarning(ex, "Tenant {Tenant} could not write its quota and charges: reloading at its next call", Tenant);
            DeactivateOnIdle();
            throw;
        }
    }
}
