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
/// tenant serialises admissions, so concurrent submits cannot pass a limit together. Only the quota is written; the
/// charges and the line are kept in memory (an admission writes nothing, however many live tasks the tenant has) and
/// rebuilt from the task catalogue when the grain activates: a task is charged from its admission to its end, a scheduled
/// one only while a window is open, and one in line is Pending with <see cref="VGpuTaskStatus.QuotaWait"/>. A charge whose
/// release was lost (a silo died between a task's end and its message), or a task the catalogue listed late, is found by
/// a recheck of the charged and waiting tasks and of the catalogue: before anyone is refused or put in line, and once a
/// minute on its own.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant", PoolOptions.StorageName)] IPersistentState<TenantRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    PoolSettingsView settings,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain, Access.IAccessTarget
{
    /// <summary>
    /// The least time between two rechecks: a burst of submits over the quota asks the charged tasks once, not once per
    /// submit. A release lost meanwhile is found at the next one (a waiting task's reminder asks again every minute).
    /// </summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>The share of a monthly budget whose spending the feed tells of before all of it is spent.</summary>
    public const double BudgetWarning = 0.8;

    /// <summary>How often a tenant with a quota looks for charges whose release was lost, on its own.</summary>
    public static readonly TimeSpan RecheckTickInterval = TimeSpan.FromMinutes(1);

    private TenantLedger ledger = null!;
    private DateTimeOffset lastRecheck = DateTimeOffset.MinValue;
    private DateTimeOffset spentReadAt = DateTimeOffset.MinValue;
    private ITimer? recheckTimer;

    // Tasks released a moment ago: the catalogue may still list them live (their end and their release travel apart).
    private readonly Dictionary<string, DateTimeOffset> released = new(StringComparer.Ordinal);

    private string Tenant => this.GetPrimaryKeyString();

    // The pool's default quota as this grain last took it (PoolSettings.DefaultQuota, live).
    private TenantQuota? poolDefault;

    /// <summary>Whether the tenant has no limits of its own and the pool's default quota stands in.</summary>
    private bool QuotaIsDefault => record.State.Quota is not { IsUnlimited: false } && poolDefault is not null;

    /// <summary>The quota in force: the tenant's own, else the pool's default with the tenant's own weight (and idle timeout, if it set one).</summary>
    private TenantQuota? InForce => QuotaIsDefault
        ? poolDefault! with { Weight = record.State.Quota?.Weight, IdleTimeout = record.State.Quota?.IdleTimeout ?? poolDefault.IdleTimeout }
        : record.State.Quota;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        poolDefault = (await settings.Get()).DefaultQuota;
        ledger = new TenantLedger(Tenant, InForce);
        if (ledger.Quota is not null)
        {
            // The charges and the line as the tasks themselves say (through the catalogue); then the room set aside for
            // gangs admitted in part: none of whose admitted members is past waiting for its gang.
            var listed = await Listed();
            Reconcile(listed, time.GetUtcNow());
            ledger.SetAsideForIncomplete([.. listed
                .Where(t => t.Spec.Gang is not null && ledger.Holds(t.TaskId))
                .Select(t => (t.TaskId, Placed: !(t.State == TaskState.Pending && t.GangWaits)))]);
            await ReadSpent(force: true);
            Settle();
        }

        KeepRechecking();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        recheckTimer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task OnRecheckTick()
    {
        await FollowDefault();
        var lifted = await ReadSpent(force: true);
        if (await Recheck(time.GetUtcNow()) || lifted)
        {
            Settle();
        }
    }

    /// <summary>
    /// Reads what the tenant's meter counted this month, when the quota sets a monthly budget: at most every
    /// <see cref="RecheckInterval"/> unless <paramref name="force"/>d, and always when a month began. True when that lifted
    /// the budget's hold (the line may have room); says so on the feed when the budget became spent.
    /// </summary>
    private async Task<bool> ReadSpent(bool force = false)
    {
        if (ledger.Quota?.GpuHoursPerMonth is not { } budget)
        {
            return false;
        }

        var now = time.GetUtcNow();
        var month = TenantLedger.MonthOf(now);
        if (!force && now - spentReadAt < RecheckInterval && ledger.SpentMonth == month)
        {
            return false;
        }

        UsageReading reading;
        try
        {
            reading = await GrainFactory.Grain<ITenantMeterGrain>(Tenant).Read(month, DateOnly.FromDateTime(now.UtcDateTime));
        }
        catch (Exception ex)
        {
            // An unread meter holds up no admission: the last reading stands until the next.
            logger.LogWarning(ex, "Tenant {Tenant} could not read its meter for its monthly budget", Tenant);
            return false;
        }

        var hours = reading.Days.Sum(d => d.CardSeconds) / 3600;
        var before = ledger.SpentMonth == month ? ledger.SpentThisMonth ?? 0 : 0;
        var lifted = ledger.SetSpent(month, hours);
        spentReadAt = now;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (before < budget && ledger.BudgetSpent)
        {
            logger.LogInformation("Tenant {Tenant} spent its budget of {Budget} card-hours for {Month}: {Hours} metered", Tenant, budget, month, hours);
            Notice(PoolEventKinds.QuotaBudget, "", string.Create(invariant,
                $"spent its {budget} card-hours for {month:yyyy-MM} ({hours:0.##} metered): new tasks wait until {month.AddMonths(1):yyyy-MM-dd} (UTC)"));
        }
        else if (before < BudgetWarning * budget && hours >= BudgetWarning * budget && !ledger.BudgetSpent)
        {
            // A heads-up while there is still time to raise it or slow down (the event hook tells operators by default).
            Notice(PoolEventKinds.QuotaBudget, "", string.Create(invariant,
                $"spent {hours / budget:0%} of its {budget} card-hours for {month:yyyy-MM} ({hours:0.##} metered)"));
        }

        return lifted;
    }

    /// <summary>Reads the meter if due (<see cref="ReadSpent"/>), and admits the line when that lifted the budget's hold.</summary>
    private async Task ReadSpentAndSettle()
    {
        if (await ReadSpent())
        {
            Settle();
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

    public async Task<AdmitResult> Admit(string taskId, ResourceRequest request, PriorityClass priority, bool wait, bool mayBorrow = false, GangSpec? gang = null)
    {
        await FollowDefault();
        var now = time.GetUtcNow();
        ledger.Forget(now);
        if (ledger.Holds(taskId))
        {
            return AdmitResult.Admitted;
        }

        if (ledger.Lends(taskId))
        {
            return AdmitResult.Borrowed;
        }

        var charge = TenantCharge.Of(request, priority, gang, now);
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

        await ReadSpentAndSettle();

        var refusal = ledger.Refusal(charge);
        if (!refusal.IsEmpty && await Recheck(now))
        {
            // Room freed by stale charges goes to the line first, then to this task.
            Settle();
            if (ledger.Holds(taskId))
            {
                return AdmitResult.Admitted;
            }

            if (ledger.Lends(taskId))
            {
                return AdmitResult.Borrowed;
            }

            refusal = ledger.Refusal(charge);
        }

        if (refusal.IsEmpty)
        {
            ledger.Release(taskId);
            ledger.Admit(taskId, charge);
            return AdmitResult.Admitted;
        }

        if (mayBorrow && ledger.MayLend())
        {
            ledger.Release(taskId);
            ledger.Lend(taskId, charge);
            Notice(PoolEventKinds.QuotaBorrow, taskId, string.Join("; ", refusal.Select(e => e.Rule)));
            return AdmitResult.Borrowed;
        }

        if (!wait)
        {
            return Refused(taskId, refusal);
        }

        if (!ledger.IsWaiting(taskId))
        {
            ledger.Wait(taskId, charge, mayBorrow);
            Notice(PoolEventKinds.QuotaWait, taskId, string.Join("; ", refusal.Select(e => e.Rule)));
        }

        return new AdmitResult(AdmitOutcome.Waiting, refusal);
    }

    public async Task<AdmitResult> Check(string taskId, ResourceRequest request, PriorityClass priority)
    {
        await FollowDefault();
        var never = ledger.Quota is null ? [] : ledger.Inadmissible(TenantCharge.Of(request, priority, time.GetUtcNow()));
        return never.IsEmpty ? AdmitResult.Admitted : Refused(taskId, never);
    }

    public async Task<ValidationError?> PriorityRefusal(PriorityClass priority)
    {
        await FollowDefault();
        return ledger.PriorityRefusal(priority);
    }

    public Task Reprioritise(string taskId, PriorityClass priority)
    {
        ledger.Reprioritise(taskId, priority);
        return Task.CompletedTask;
    }

    public async Task<AdmitResult> Preview(ResourceRequest request, PriorityClass priority, bool mayBorrow = false, GangSpec? gang = null, int count = 1)
    {
        await FollowDefault();
        var many = gang is null && count > 1;
        if (ledger.Quota is null)
        {
            return many ? AdmitResult.Admitted with { Admits = count } : AdmitResult.Admitted;
        }

        var charge = TenantCharge.Of(request, priority, gang, time.GetUtcNow());
        await ReadSpentAndSettle();

        var never = ledger.Inadmissible(charge);
        var tasks = many ? count : 1;
        var refusal = never.IsEmpty ? ledger.Refusal(charge, count: tasks) : never;
        var result = !never.IsEmpty ? new AdmitResult(AdmitOutcome.Refused, never)
            : refusal.IsEmpty ? AdmitResult.Admitted
            : mayBorrow && ledger.MayLend() ? new AdmitResult(AdmitOutcome.Borrowed, refusal)
            : new AdmitResult(AdmitOutcome.Waiting, refusal);
        return many ? result with { Admits = never.IsEmpty ? ledger.AdmitsNow(charge, count) : 0 } : result;
    }

    public Task Release(string taskId)
    {
        if (ledger.Quota is not null)
        {
            released[taskId] = time.GetUtcNow();
        }

        if (ledger.Release(taskId))
        {
            Settle();
        }

        return Task.CompletedTask;
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

        // Limits, a weight, or both; a quota of neither is none.
        var next = quota is { IsEmpty: false } ? quota : null;
        var before = record.State.Quota;
        record.State.Quota = next;
        try
        {
            await record.WriteStateAsync();
        }
        catch
        {
            // Not in force unless stored.
            record.State.Quota = before;
            throw;
        }

        await Apply();
        await GrainFactory.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).Set(Tenant, next);
        logger.LogInformation("Tenant {Tenant} quota set to {Quota}", Tenant, ledger.Quota);
        Notice(PoolEventKinds.QuotaChange, "", RequestedBy.Noted(next is null ? "quota removed" : $"quota set: {next.Summary()}"));
        return await GetUsage();
    }

    /// <summary>
    /// Takes a change of the pool's default quota (read from this silo's copy of the settings) as a change of its own
    /// quota would be taken, where the tenant has no limits of its own.
    /// </summary>
    private async Task FollowDefault()
    {
        var current = (await settings.Get()).DefaultQuota;
        if (current == poolDefault)
        {
            return;
        }

        var before = InForce;
        poolDefault = current;
        if (InForce != before)
        {
            await Apply();
            logger.LogInformation("Tenant {Tenant} takes the pool's default quota {Quota}", Tenant, ledger.Quota);
        }
    }

    /// <summary>Puts the quota in force into the ledger, and admits or fails whoever waits as it now allows.</summary>
    private async Task Apply()
    {
        if (ledger.Quota is null && InForce is { IsUnlimited: false })
        {
            // Charged from now on: the tasks already live, as the catalogue lists them, and those admitted a moment ago.
            var now = time.GetUtcNow();
            ledger.Forget(now);
            ImmutableArray<VGpuTaskStatus> listed;
            try
            {
                listed = await Listed();
            }
            catch
            {
                // Stored but not counted here: the next call finds a fresh activation, which rebuilds from the catalogue.
                DeactivateOnIdle();
                throw;
            }

            var live = listed.Where(t => TenantLedger.Counts(t.State)).Select(t => KeyValuePair.Create(t.TaskId, TenantCharge.Of(t.Spec, now)));
            ledger.SetQuota(InForce, live, listed.Where(t => !TenantLedger.Counts(t.State)).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal));
        }
        else
        {
            ledger.SetQuota(InForce, [], new HashSet<string>());
        }

        // A raised or removed quota admits whoever waits and fits now; a lowered one fails whoever could never fit (in line,
        // or admitted as part of a gang that could now never be whole). The listing follows the write: a failure between
        // the two leaves it a step behind until the caller's retry.
        await ReadSpent(force: true);
        var dropped = ledger.DropInadmissible().AddRange(ledger.DropInadmissibleGangs());
        Settle();
        foreach (var (id, why) in dropped)
        {
            await GrainFactory.Grain<IVGpuTaskGrain>(id).OnQuotaRefused(string.Join("; ", why));
        }

        KeepRechecking();
    }

    /// <summary>Its tenant's.</summary>
    public Access.AccessTarget TargetOf(Orleans.Serialization.Invocation.IInvokable request) => new(this.GetPrimaryKeyString(), null);

    public async Task<TenantUsage> GetUsage()
    {
        await FollowDefault();
        if (ledger.Quota is not null)
        {
            await ReadSpentAndSettle();

            return ledger.Usage() with { Quota = InForce, QuotaIsDefault = QuotaIsDefault };
        }

        // Nothing is charged without limits: what the catalogue lists live is the usage.
        var now = time.GetUtcNow();
        var live = (await Listed()).Where(t => TenantLedger.Counts(t.State)).Select(t => TenantCharge.Of(t.Spec, now));
        return TenantLedger.Usage(Tenant, InForce, live) with { QuotaIsDefault = QuotaIsDefault };
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

    /// <summary>Admits whoever the line has room for, then takes loans under the quota where room is left, and tells them.</summary>
    private void Settle()
    {
        Tell(ledger.AdmitWaiting());
        foreach (var id in ledger.RepayLoans())
        {
            logger.LogInformation("Task {TaskId} of tenant {Tenant} is within the quota now, no longer on borrowed room", id, Tenant);
            GrainFactory.Grain<IVGpuTaskGrain>(id).OnLoanRepaid().Ignore();
        }
    }

    /// <summary>Tells the tasks admitted from the line (one-way: a lost word is made up by the task asking again).</summary>
    private void Tell(ImmutableArray<(string TaskId, bool Borrowed)> admitted)
    {
        foreach (var (id, borrowed) in admitted)
        {
            logger.LogInformation("Task {TaskId} of tenant {Tenant} admitted from the line (borrowed room: {Borrowed})", id, Tenant, borrowed);
            GrainFactory.Grain<IVGpuTaskGrain>(id).OnAdmitted(borrowed).Ignore();
            Notice(borrowed ? PoolEventKinds.QuotaBorrow : PoolEventKinds.QuotaAdmit, id, borrowed ? "admitted from the line on borrowed room" : "admitted from the line");
        }
    }

    private Task<ImmutableArray<VGpuTaskStatus>> Listed() =>
        GrainFactory.Grain<ITaskCatalogGrain>(GrainKeys.Pool).List(new TaskQuery(Tenant: Tenant, Limit: int.MaxValue));

    /// <summary>
    /// Takes in the tasks the catalogue lists live that this activation neither charges nor holds in line: admitted ones
    /// (no <see cref="VGpuTaskStatus.QuotaWait"/>) are charged, waiting ones join the line in order of submission.
    /// </summary>
    private void Reconcile(ImmutableArray<VGpuTaskStatus> listed, DateTimeOffset now)
    {
        foreach (var (id, at) in released.ToArray())
        {
            if (now - at > TenantLedger.Grace)
            {
                released.Remove(id);
            }
        }

        foreach (var t in listed.Where(t => TenantLedger.Counts(t.State) && !released.ContainsKey(t.TaskId) && !ledger.Holds(t.TaskId) && !ledger.Lends(t.TaskId) && !ledger.IsWaiting(t.TaskId))
            .OrderBy(t => t.SubmittedAt))
        {
            var charge = TenantCharge.Of(t.Spec, now);
            if (t.QuotaWait is not null)
            {
                ledger.Wait(t.TaskId, charge, TenantLedger.MayBorrow(t.Spec));
            }
            else if (t.Borrowed)
            {
                ledger.Lend(t.TaskId, charge);
            }
            else
            {
                ledger.Charge(t.TaskId, charge);
            }
        }
    }

    /// <summary>
    /// Asks every charged and waiting task how it stands and lets go of the stale ones, and takes in the live tasks the
    /// catalogue lists that it does not hold; true when any charge or place in line went.
    /// </summary>
    private async Task<bool> Recheck(DateTimeOffset now)
    {
        if (now - lastRecheck < RecheckInterval)
        {
            return false;
        }

        lastRecheck = now;
        var held = ledger.Charges.Concat(ledger.Loans).Concat(ledger.Line.Select(w => KeyValuePair.Create(w.TaskId, w.Charge))).ToArray();
        var stale = (await Task.WhenAll(held.Select(async c => await IsStale(c.Key, c.Value, now) ? c.Key : null)))
            .OfType<string>().ToArray();
        Reconcile(await Listed(), now);
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
            var status = await GrainFactory.Grain<IVGpuTaskGrain>(taskId).PeekStatus();
            if (status is { Borrowed: true } && ledger.Holds(taskId))
            {
                // Charged here but still on loan there: its word that the loan was repaid was lost.
                GrainFactory.Grain<IVGpuTaskGrain>(taskId).OnLoanRepaid().Ignore();
            }

            return TenantLedger.Stale(charge, status, now);
        }
        catch (Exception ex)
        {
            // Unknown is not stale: the charge stays until a later recheck can ask.
            logger.LogWarning(ex, "Tenant {Tenant} could not recheck task {TaskId}", Tenant, taskId);
            return false;
        }
    }
}
