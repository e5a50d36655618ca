namespace Orion.Contracts;

/// <summary>The kinds of <see cref="PoolEvent"/>.</summary>
public static class PoolEventKinds
{
    /// <summary>The scheduler reserved capacity for a task.</summary>
    public const string Placement = "placement";

    /// <summary>A card paused a task for higher-priority work.</summary>
    public const string Preemption = "preemption";

    /// <summary>A card resumed a paused task.</summary>
    public const string Resume = "resume";

    /// <summary>A card moved a task's memory to host RAM.</summary>
    public const string SwapOut = "swap-out";

    /// <summary>A card moved a task's memory back to the device.</summary>
    public const string SwapIn = "swap-in";

    /// <summary>A task would pass its tenant's quota and waits in the tenant's line.</summary>
    public const string QuotaWait = "quota-wait";

    /// <summary>A task that waited for its tenant's quota was admitted.</summary>
    public const string QuotaAdmit = "quota-admit";

    /// <summary>A submit was refused by its tenant's quota.</summary>
    public const string QuotaRefusal = "quota-refusal";

    /// <summary>A node held for a queued task of several cards that waited past the starvation limit.</summary>
    public const string Hold = "hold";

    /// <summary>A task over its tenant's quota was admitted on borrowed room (the quota lends).</summary>
    public const string QuotaBorrow = "quota-borrow";

    /// <summary>A tenant spent 80% of its monthly budget of card-hours (<see cref="TenantQuota.GpuHoursPerMonth"/>), or all of it: its new tasks then wait for the next month.</summary>
    public const string QuotaBudget = "quota-budget";

    /// <summary>
    /// The kinds an operator is told of by default (<c>Orion:Notify:EventsUrl</c>): cards breaking and recovering, nodes
    /// and cards cordoned and uncordoned, maintenance planned, budgets spent, and changes to settings, quotas and tokens.
    /// </summary>
    public static IReadOnlyList<string> Operations { get; } = [CardFault, CardRecovered, Cordon, Uncordon, Maintenance, QuotaBudget, SettingsChange, QuotaChange, TokenChange];

    /// <summary>A task on borrowed room was evicted so that a task within its quota could have the room.</summary>
    public const string Reclaim = "reclaim";

    /// <summary>A running task of a lower priority class evicted so that a higher-class task that fit nowhere has the room.</summary>
    public const string Eviction = "eviction";

    /// <summary>A running offline task was moved off its node (stopped, queued again, placed where it fits) to make room for a task that fit nowhere.</summary>
    public const string Consolidation = "consolidation";

    /// <summary>An operator paused a running task (<see cref="IVGpuTaskGrain.Pause"/>).</summary>
    public const string OperatorPause = "operator-pause";

    /// <summary>An operator resumed a task they had paused.</summary>
    public const string OperatorResume = "operator-resume";

    /// <summary>A run went past its task's <see cref="TaskSpec.MaxRuntime"/> and was stopped.</summary>
    public const string RunLimit = "run-limit";

    /// <summary>A run left its cards idle for its task's <see cref="TaskSpec.IdleTimeout"/> and was stopped.</summary>
    public const string IdleStop = "idle-stop";

    /// <summary>A run failed its liveness probe and was stopped, or a ready run turned not ready (<see cref="TaskSpec.Liveness"/>, <see cref="TaskSpec.Readiness"/>).</summary>
    public const string Unhealthy = "unhealthy";

    /// <summary>Every task a blocked task runs after completed: it is admitted and queued.</summary>
    public const string Unblocked = "unblocked";

    /// <summary>A node's daemon reported a card broken: it takes no work, and the runs on it are lost.</summary>
    public const string CardFault = "card-fault";

    /// <summary>A card reported broken is healthy again and takes work.</summary>
    public const string CardRecovered = "card-recovered";

    /// <summary>A deployment submitted a replica (created, scaled up, rolling out, or replacing one that ended).</summary>
    public const string ReplicaAdded = "replica-added";

    /// <summary>A deployment cancelled a replica: scaled down, replaced by a newer revision, or deleted.</summary>
    public const string ReplicaRemoved = "replica-removed";

    /// <summary>A deployment's replica ended by itself (failed, completed, cancelled by someone else) and is replaced.</summary>
    public const string ReplicaEnded = "replica-ended";

    /// <summary>A deployment that scales itself changed its replica count from its replicas' demand (the event's task is the deployment's name).</summary>
    public const string Autoscale = "autoscale";

    /// <summary>A client's call its token did not allow (the event's place is the grain called; its detail, the refusal).</summary>
    public const string AccessRefused = "access-refused";

    /// <summary>A client cancelled a task (its detail: the reason, and who where the pool takes tokens).</summary>
    public const string Cancel = "cancel";

    /// <summary>A client changed a task's priority (old → new).</summary>
    public const string PriorityChange = "priority";

    /// <summary>An operator cordoned a node or a card (the event's place); its detail, the reason.</summary>
    public const string Cordon = "cordon";

    /// <summary>An operator let a cordoned node or card take work again.</summary>
    public const string Uncordon = "uncordon";

    /// <summary>A node's maintenance window was planned or cancelled, or began under an operator's cordon (the event's place is the node).</summary>
    public const string Maintenance = "maintenance";

    /// <summary>An admin changed the pool's live settings (its detail: the settings now).</summary>
    public const string SettingsChange = "settings";

    /// <summary>An admin set or removed a tenant's quota (the event's place is the tenant).</summary>
    public const string QuotaChange = "quota";

    /// <summary>A deployment's rollout began, finished, failed (its new replicas kept failing) or was rolled back by itself.</summary>
    public const string Rollout = "rollout";

    /// <summary>An access token was issued, rotated or revoked through the pool (its detail names it, never its value).</summary>
    public const string TokenChange = "token";

    /// <summary>Every kind, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Placement, Preemption, Resume, SwapOut, SwapIn, QuotaWait, QuotaAdmit, QuotaRefusal, Hold, QuotaBorrow, QuotaBudget, Reclaim, Eviction, Consolidation, OperatorPause, OperatorResume, RunLimit, IdleStop, Unhealthy, Unblocked, CardFault, CardRecovered,
         ReplicaAdded, ReplicaRemoved, ReplicaEnded, Autoscale, Rollout, AccessRefused, Cancel, PriorityChange, Cordon, Uncordon, Maintenance, SettingsChange, QuotaChange, TokenChange];
}
