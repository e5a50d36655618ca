using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// A tenant's quota and what its live tasks are charged against it. Every new task asks it for admission before it is
/// queued, and tells it when it ends. Key: the tenant's name.
/// </summary>
[Alias("orion.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Charges a new task of class <paramref name="priority"/> against the quota (idempotent per task); one above the
    /// quota's priority cap is refused. Over a limit, a task that may
    /// <paramref name="wait"/> gets in line (first come, first admitted among those that fit: a large task can be passed
    /// by smaller ones) and is told with <see cref="IVGpuTaskGrain.OnAdmitted"/>; one that may not is refused, as is a
    /// request that no room under the quota could ever take. A task that <paramref name="mayBorrow"/> (not online) and
    /// passes only the compute or memory limit of a quota that lends (<see cref="TenantQuota.Borrow"/>) is admitted on
    /// borrowed room instead (<see cref="AdmitOutcome.Borrowed"/>). A member of a <paramref name="gang"/> is admitted as
    /// its gang's first only with room for all its members not yet admitted, which is then set aside for them.
    /// </summary>
    [Access(Callers.None)]
    [Alias("Admit")]
    Task<AdmitResult> Admit(string taskId, ResourceRequest request, PriorityClass priority, bool wait, bool mayBorrow = false, GangSpec? gang = null);

    /// <summary>
    /// Whether the quota could ever take the request, charging nothing and joining no line: a scheduled task asks this at
    /// submit and is charged (<see cref="Admit"/>) only as each of its windows opens. Refused names the limit it passes
    /// alone, or the priority cap it passes; otherwise Admitted.
    /// </summary>
    [Access(Callers.None)]
    [Alias("Check")]
    Task<AdmitResult> Check(string taskId, ResourceRequest request, PriorityClass priority);

    /// <summary>Why the tenant's work may not have <paramref name="priority"/> (<see cref="TenantQuota.MaxPriority"/>); null when it may.</summary>
    [Access(Callers.None)]
    [Alias("PriorityRefusal")]
    Task<ValidationError?> PriorityRefusal(PriorityClass priority);

    /// <summary>
    /// What <see cref="Admit"/> would answer a new task now, charging nothing and joining no line (a dry run): Admitted,
    /// Borrowed, Waiting (naming the limits in the way) or Refused (a request no room under the quota could ever take).
    /// With <paramref name="count"/> over 1 (a job array, not a gang), for that many such tasks at once: Admitted when all
    /// would be, and how many would be (<see cref="AdmitResult.Admits"/>).
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("Preview")]
    Task<AdmitResult> Preview(ResourceRequest request, PriorityClass priority, bool mayBorrow = false, GangSpec? gang = null, int count = 1);

    /// <summary>A task's priority class changed: its charge or place in line carries the new class.</summary>
    [Access(Callers.None)]
    [Alias("Reprioritise")]
    Task Reprioritise(string taskId, PriorityClass priority);

    /// <summary>A task ended, or gave up its place in line: its charge goes back, and the tasks in line that now fit are admitted.</summary>
    [Access(Callers.None)]
    [Alias("Release"), OneWay]
    Task Release(string taskId);

    /// <summary>
    /// Sets the quota, or removes it (null, or no limit set). The tenant's live tasks are charged from the moment a quota
    /// is first set.
    /// </summary>
    /// <exception cref="ArgumentException">The quota breaks a rule of <see cref="TenantQuota.Validate"/>; nothing was changed.</exception>
    [Access(Callers.Admin)]
    [Alias("SetQuota")]
    Task<TenantUsage> SetQuota(TenantQuota? quota);

    /// <summary>
    /// The grain's own periodic look, while it has a quota and charges: lets go of charges whose release was lost and
    /// admits whoever that makes room for, without waiting for the next submit.
    /// </summary>
    [Access(Callers.None)]
    [Alias("OnRecheckTick"), OneWay]
    Task OnRecheckTick();

    /// <summary>The quota and what the tenant's live tasks ask.</summary>
    [Access(Callers.Anyone)]
    [Alias("GetUsage")]
    Task<TenantUsage> GetUsage();
}
