using Orion.Contracts;

namespace Orion.Grains;

/// <summary>Pool-wide settings (configuration section <c>Orion:Pool</c>).</summary>
public sealed class PoolOptions
{
    public const string Section = "Orion:Pool";

    /// <summary>Grain storage provider name for task state.</summary>
    public const string StorageName = "orion";

    /// <summary>The placement policy: one of <see cref="Scheduling.PlacementPolicies.Names"/>.</summary>
    public string Policy { get; set; } = Scheduling.PlacementPolicies.Default;

    /// <summary>Allocatable compute per card as a multiple of the card (1.0 = no oversubscription).</summary>
    public double ComputeOversubscription { get; set; } = 2.0;

    /// <summary>Allocatable GPU memory per card as a multiple of the device (1.0 = no oversubscription); the excess lives in host RAM.</summary>
    public double MemoryOversubscription { get; set; } = 1.0;

    /// <summary>A daemon not heard from (registration or heartbeat) for this long is declared lost.</summary>
    public TimeSpan DaemonLease { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often a node grain checks its daemon's lease.</summary>
    public TimeSpan LeaseCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often (Orion clock) the runs under way report what they have held so far to their tenants' meters, so usage
    /// and its counters grow as a long run goes instead of all at its end. Each node asks the tasks it holds.
    /// </summary>
    public TimeSpan UsageCheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A card whose daemon reports it broken this many times within <see cref="CardFaultWindow"/> is cordoned (flapping: it
    /// comes back after each reset and breaks again, taking the work placed on it each time) until an operator uncordons
    /// it; 0: never.
    /// </summary>
    public int CardFaultLimit { get; set; } = 3;

    /// <summary>How far back a card's faults count towards <see cref="CardFaultLimit"/> (Orion clock).</summary>
    public TimeSpan CardFaultWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether a pending task keeps a durable reminder that re-queues it, so a scheduler lost with its silo is
    /// refilled (on when the pool keeps its state in Redis; a lone in-memory silo has nothing to recover from).
    /// </summary>
    public bool QueueRecovery { get; set; }

    /// <summary>
    /// Where a task that names no data centre queues when no node has registered anywhere yet (the embedded silo's and
    /// the daemon's default data centre).
    /// </summary>
    public string DefaultDataCenter { get; set; } = "dc1";

    /// <summary>
    /// How often node, card and scheduler grains check that they live on their data centre's silos, and move when one
    /// of those joined after they activated elsewhere.
    /// </summary>
    public TimeSpan ResidenceCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a scheduler with queued tasks re-reads its nodes' snapshots (a lost push must not strand its queue).</summary>
    public TimeSpan IndexResyncInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the scheduler of a data centre checks whether it holds anything: one that indexes no node and queues
    /// no task at two checks in a row lets go of its activation (a name no node reports to costs nothing once its
    /// tasks are gone). A later task or node activates it again.
    /// </summary>
    public TimeSpan IdleSchedulerCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A task placed but not started within this long is placed again (its placement or start message was lost with a silo).</summary>
    public TimeSpan PlacingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a queued task of several cards may wait before one node is held for it (the first such in queue order):
    /// nothing else is placed there until it fits (<see cref="Scheduling.StarvationGuard"/>). Zero turns holding off.
    /// </summary>
    public TimeSpan StarvationLimit { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many times the scheduler retries a task whose reservation a node refused.</summary>
    public int ReservationAttempts { get; set; } = 3;

    /// <summary>The quota of every tenant without one of its own (<see cref="DefaultQuotaOptions"/>); none by default.</summary>
    public DefaultQuotaOptions DefaultQuota { get; set; } = new();

    /// <summary>Terminal tasks the catalogue keeps before it forgets the oldest.</summary>
    public int CatalogRetention { get; set; } = 100_000;

    /// <summary>
    /// How long an ended task's record is kept (its status, runs and spec: <c>orion get</c>) before the pool forgets it,
    /// so storage holds the live tasks and the recent past, not every task ever run. Usage already metered stays in the
    /// tenants' meters. Zero keeps every record.
    /// </summary>
    public TimeSpan EndedTaskRetention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How often the catalogue writes the ids of its live tasks when they changed (<see cref="TaskCatalogCheckpoint"/>). It is
    /// a read model in memory; after its silo dies, a fresh activation reads those ids and asks each task again, so a task
    /// that runs for days without a change is still listed. One that arrived within the interval before the loss is listed
    /// again at its next change.
    /// </summary>
    public TimeSpan CatalogCheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often (Orion clock) a deployment looks at its replicas: replaces those that ended, moves a rolling update on,
    /// and refreshes what it shows. A change of the deployment is acted on at once.
    /// </summary>
    public TimeSpan DeploymentCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a task may keep a pause or resume only in memory (watchers see it at once) before it is
    /// persisted and pushed to the catalogue: a busy online service flips its card's offline work many times a
    /// second, and the write on every flip competes for the CPU with the preemption it reports. Flips within
    /// the delay cost one write. A silo lost meanwhile loses only the last flips' counts.
    /// </summary>
    public TimeSpan SuspensionFlushDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a card waits after a demand change before it moves memory, so that requests arriving together are
    /// decided together: moving memory out for the first and back for the next costs link time that a millisecond's
    /// wait does not. Pauses are not delayed.
    /// </summary>
    public TimeSpan MemoryPassDelay { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// How old a silo's copy of the data centres' summaries may be when it chooses a submitted task's home data centre
    /// (zero: ask the pool grain on every submission).
    /// </summary>
    public TimeSpan DataCenterSummaryMaxAge { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How old a silo's copy of the pool's live settings (policy, oversubscription) may be: a change made with
    /// <c>orion config</c> reaches every silo within it (zero: ask the settings grain every time).
    /// </summary>
    public TimeSpan SettingsMaxAge { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether a queued task of a higher priority class (Online over Training over Offline) that fits nowhere evicts
    /// running tasks of a lower class to make room (<see cref="Scheduling.PriorityPreemption"/>): they queue again and run
    /// when room frees. Off by default: evicted work starts its run again, which batch work may not want. A live change
    /// (<c>orion config --evict-lower-priority</c>) overrides it for the whole pool.
    /// </summary>
    public bool EvictLowerPriority { get; set; }

    /// <summary>
    /// Whether a queued task that fits nowhere, the free room being scattered over nodes, has running offline work moved to
    /// other nodes where it fits now, so that one node has room for it (defragmentation). Off by default: a moved task starts
    /// its run again. A live change (<c>orion config --consolidate</c>) overrides it for the whole pool.
    /// </summary>
    public bool Consolidate { get; set; }

    /// <summary>
    /// When positive, fair sharing counts what each tenant held in the past beside what it holds now, usage weighing half as
    /// much per this span of age (<see cref="FairShare.PastShare"/>; 1 h to 30 d). Zero, the default: only what tenants hold
    /// now counts. A live change (<c>orion config --fair-share-half-life</c>) overrides it for the whole pool.
    /// </summary>
    public TimeSpan FairShareHalfLife { get; set; }

    /// <summary>
    /// Whether a queued task that fits nowhere evicts running offline work of other tenants holding more than their fair
    /// share (<see cref="Scheduling.FairShareEviction"/>): they queue again. Off by default: evicted work starts its run
    /// again. A live change (<c>orion config --fair-share-eviction</c>) overrides it for the whole pool.
    /// </summary>
    public bool FairShareEviction { get; set; }

    /// <summary>
    /// How old a silo's copy of a tenant's usage history may be when fair sharing counts it: history moves slowly, and each
    /// refresh reads the tenant's meter.
    /// </summary>
    public TimeSpan FairShareHistoryMaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The pool settings this configuration gives, before any live change.</summary>
    public PoolSettings Settings() => new(
        Policy, ComputeOversubscription, MemoryOversubscription, EvictLowerPriority: EvictLowerPriority, DefaultQuota: DefaultQuota.Quota, Consolidate: Consolidate,
        FairShareHalfLife: FairShareHalfLife > TimeSpan.Zero ? FairShareHalfLife : null, FairShareEviction: FairShareEviction);
}
