using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;
using Orion.Grains.Telemetry;
using Orion.Grains.Tenancy;

namespace Orion.Grains;

/// <summary>
/// Keeps a tenant's quota, charges its live tasks against it and holds the line of tasks waiting for room. One grain per
/// tenant serialises admissions, so concurrent submits cannot pass a limit together. Without a quota nothing is written:
/// an admission is a memory lookup. A charge whose release was lost (a silo died between a task's end and its message)
/// is found by a recheck of the charged and waiting tasks before anyone is refused or put in line.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant", PoolOptions.StorageName)] IPersistentState<TenantRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    /// <summary>
    /// The least time between two rechecks: a burst of submits over the quota asks the charged tasks once, not once per
    /// submit. A release lost meanwhile is found at the next one (a waiting task's reminder asks again every minute).
    /// </summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>How often a tenant with a quota looks for charges whose release was lost, on its own.</summary>
    public static readonly TimeSpan RecheckTickInterval = TimeSpan.FromMinutes(1);

    private TenantLedger ledger = null!;
    private DateTimeOffset lastRecheck = DateTimeOffset.MinValue;
    private ITimer? recheckTimer;

    private string Tenant => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ledger = new TenantLedger(Tenant, record.State.Quota, record.State.Charges, record.State.Line);
        KeepRechecking();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        recheckTimer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task OnRecheckTick()
    {
        var before = Snapshot();
        if (await Recheck(time.GetUtcNow()))
        {
            await Commit(before, ledger.AdmitWaiting());
        }
    }

    /// <summary>A timer on the pool's clock while there is a quota (nothing to recheck without one).</summary>
    private void KeepRechecking()
    {
        if (ledger.Quota is null)
        {
            recheckTimer?.Dispose();
            recheckTimer = null;
            return;
        }

        var self = this.AsReference<ITenantGrain>();
        recheckTimer ??= time.CreateTimer(
            _ => self.OnRecheckTick().ContinueWith(t => logger.LogWarning(t.Exception, "Recheck of tenant {Tenant} failed", Tenant), TaskContinuationOptions.OnlyOnFaulted),
            null, RecheckTickInterval, RecheckTickInterval);
    }

    public async Task<AdmitResult> Admit(string taskId, ResourceRequest request, bool wait)
    {
        var now = time.GetUtcNow();
        ledger.Forget(now);
        if (ledger.Holds(taskId))
        {
            return AdmitResult.Admitted;
        }

        var charge = TenantCharge.Of(request, now);
        if (ledger.Quota is null)
        {
            ledger.Remember(taskId, charge);
            return AdmitResult.Admitted;
        }

        var never = ledger.Inadmissible(charge);
        if (!never.IsEmpty)
        {
            return Refused(taskId, never);
        }

        var before = Snapshot();
        var admitted = ImmutableArray<string>.Empty;
        var refusal = ledger.Refusal(charge);
        var rechecked = !refusal.IsEmpty && await Recheck(now);
        if (rechecked)
        {
            // Room freed by stale charges goes to the line first, then to this task.
            admitted = ledger.AdmitWaiting();
            if (ledger.Holds(taskId))
            {
                await Commit(before, admitted);
                return AdmitResult.Admitted;
            }

            refusal = ledger.Refusal(charge);
        }

        AdmitResult result;
        if (refusal.IsEmpty)
        {
            ledger.Release(taskId);
            ledger.Charge(taskId, charge);
            result = AdmitResult.Admitted;
        }
        else
        {
            var inLine = ledger.IsWaiting(taskId);
            if (wait)
            {
                ledger.Wait(taskId, charge);
            }

            // Written only when something changed: a place taken in line, or stale charges let go.
            if (rechecked || (wait && !inLine))
            {
                await Commit(before, admitted);
            }

            if (wait && !inLine)
            {
                Notice(PoolEventKinds.QuotaWait, taskId, string.Join("; ", refusal.Select(e => e.Rule)));
            }

            return wait ? new AdmitResult(AdmitOutcome.Waiting, refusal) : Refused(taskId, refusal);
        }

        await Commit(before, admitted);
        return result;
    }

    public async Task Release(string taskId)
    {
        var before = Snapshot();
        if (ledger.Release(taskId))
        {
            await Commit(before, ledger.AdmitWaiting());
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

        var before = Snapshot();
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

        // A raised or removed quota admits whoever waits and fits now; a lowered one fails whoever could never fit. The
        // listing follows the write: a failure between the two leaves it a step behind until the caller's retry.
        var dropped = ledger.DropInadmissible();
        await Commit(before, ledger.AdmitWaiting());
        foreach (var (id, why) in dropped)
        {
            await GrainFactory.Grain<IVGpuTaskGrain>(id).OnQuotaRefused(string.Join("; ", why));
        }

        await GrainFactory.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).Set(Tenant, ledger.Quota is not null);
        KeepRechecking();
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

    private AdmitResult Refused(string taskId, ImmutableArray<ValidationError> why)
    {
        logger.LogInformation("Task {TaskId} of tenant {Tenant} refused: {Refusal}", taskId, Tenant, string.Join("; ", why));
        OrionTelemetry.QuotaRefusals.Add(1, new TagList { { OrionTelemetry.Attributes.Tenant, Tenant } });
        Notice(PoolEventKinds.QuotaRefusal, taskId, string.Join("; ", why.Select(e => e.Rule)));
        return new AdmitResult(AdmitOutcome.Refused, why);
    }

    /// <summary>Tells the pool's event feed (one-way: the feed never holds an admission up).</summary>
    private void Notice(string kind, string taskId, string detail) =>
        GrainFactory.Grain<IPoolEventsGrain>(GrainKeys.Pool).Publish(kind, taskId, $"tenant {Tenant}", detail, 0).Ignore();

    private Task<ImmutableArray<VGpuTaskStatus>> Listed() =>
        GrainFactory.Grain<ITaskCatalogGrain>(GrainKeys.Pool).List(new TaskQuery(Tenant: Tenant, Limit: int.MaxValue));

    /// <summary>Asks every charged and waiting task how it stands and lets go of the stale ones; true when any went.</summary>
    private async Task<bool> Recheck(DateTimeOffset now)
    {
        if (now - lastRecheck < RecheckInterval)
        {
            return false;
        }

        lastRecheck = now;
        var held = ledger.Charges.Concat(ledger.Line.Select(w => KeyValuePair.Create(w.TaskId, w.Charge))).ToArray();
        var stale = (await Task.WhenAll(held.Select(async c => await IsStale(c.Key, c.Value, now) ? c.Key : null)))
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

    private (TenantQuota? Quota, Dictionary<string, TenantCharge> Charges, TenantWaiter[] Line) Snapshot() =>
        (ledger.Quota, new Dictionary<string, TenantCharge>(ledger.Charges, StringComparer.Ordinal), [.. ledger.Line]);

    /// <summary>
    /// Writes the ledger, then tells the tasks it admitted from the line. A write that fails puts the ledger back as it was
    /// (memory must not run ahead of storage) and deactivates, so the next call reloads what storage holds.
    /// </summary>
    private async Task Commit((TenantQuota? Quota, Dictionary<string, TenantCharge> Charges, TenantWaiter[] Line) before, ImmutableArray<string> admitted)
    {
        record.State.Quota = ledger.Quota;
        record.State.Charges = new Dictionary<string, TenantCharge>(ledger.Charges, StringComparer.Ordinal);
        record.State.Line = [.. ledger.Line];
        try
        {
            await record.WriteStateAsync();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Tenant {Tenant} could not write its quota and charges: reloading at its next call", Tenant);
            ledger = new TenantLedger(Tenant, before.Quota, before.Charges, before.Line);
            DeactivateOnIdle();
            throw;
        }

        foreach (var id in admitted)
        {
            logger.LogInformation("Task {TaskId} of tenant {Tenant} admitted from the line", id, Tenant);
            await GrainFactory.Grain<IVGpuTaskGrain>(id).OnAdmitted();
            Notice(PoolEventKinds.QuotaAdmit, id, "admitted from the line");
        }
    }
}
