using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>
/// The most a tenant's live tasks (submitted and not yet ended; a scheduled task only while a window is open) may ask of
/// the pool together, and the tenant's weight in fair sharing. A task that would pass a limit waits for room (pending, in
/// line), or is refused naming the limit when it asked to fail rather than wait
/// (<see cref="PlacementConstraints.FailIfUnplaceable"/>) or asks more than the whole quota; tasks already admitted run on
/// when a limit is lowered. A null limit is no limit.
/// </summary>
/// <param name="GpuPercent">Compute summed over cards, in percent of one card: 400 is four whole cards, or eight halves.</param>
/// <param name="GpuMemoryMiB">GPU memory summed over cards, in MiB. Under this limit a task must state its memory per card.</param>
/// <param name="Tasks">Live tasks.</param>
/// <param name="Weight">
/// The tenant's weight in fair sharing (null: 1): within a priority, room that frees goes to the tenant whose share of the
/// cards, divided by its weight, is least, so a tenant of weight 2 is offered room until it holds twice the share of one
/// of weight 1. A weight alone limits nothing.
/// </param>
/// <param name="Borrow">
/// Lend the tenant idle room beyond its compute and memory limits (null: false). A task over them that is not online and
/// within the live-task limit is admitted on borrowed room instead of waiting: schedulers place it after every task within
/// its quota, and evict it (stop it and queue it again) when such a task fits nowhere else and its room would take it.
/// </param>
/// <param name="OnlineGpuPercent">
/// Compute summed over the tenant's online tasks, percent of one card (null: only <paramref name="GpuPercent"/> binds
/// them). Online work preempts lower work at once, so this keeps how much of the pool a tenant's online services may
/// claim that way, while its offline and training work may use the rest of its quota; online work over it waits (it never
/// borrows).
/// </param>
/// <param name="MaxPriority">
/// The highest priority class the tenant's tasks may have (null: any). Online work preempts lower work on a card at once,
/// so a pool keeps that to the tenants it trusts with it: a task above is refused when submitted (a deployment when
/// deployed, a priority change when asked), and one waiting in line above a lowered cap fails; running tasks run on.
/// </param>
/// <param name="GpuHoursPerMonth">
/// A budget of card-hours per calendar month (UTC), as the tenant's usage is metered (a half-card slice held an hour is
/// half a card-hour; paused time counts, the slice being held). Once spent, the tenant's new tasks wait in line (or are
/// refused when they asked to fail rather than wait) until the next month or a larger budget; nothing borrows past it,
/// and running work runs on. A run under way is metered every <c>UsageCheckpointInterval</c>, so spending shows that
/// much late.
/// </param>
/// <param name="IdleTimeout">
/// The longest any of the tenant's tasks may leave its cards idle before the pool stops it (see
/// <see cref="TaskSpec.IdleTimeout"/>: a task's own may be shorter), for runs started from then on; not deployment
/// replicas nor scheduled tasks. Null: the pool's default quota's, else none. It limits nothing else, as a weight.
/// </param>
[GenerateSerializer, Alias("orion.TenantQuota"), Immutable]
public sealed record TenantQuota(
    [property: Id(0)] double? GpuPercent = null,
    [property: Id(1)] long? GpuMemoryMiB = null,
    [property: Id(2)] int? Tasks = null,
    [property: Id(3)] double? Weight = null,
    [property: Id(4)] bool? Borrow = null,
    [property: Id(5)] PriorityClass? MaxPriority = null,
    [property: Id(6)] double? OnlineGpuPercent = null,
    [property: Id(7)] double? GpuHoursPerMonth = null,
    [property: Id(8)] TimeSpan? IdleTimeout = null)
{
    /// <summary>The least fair-share weight.</summary>
    public const double MinWeight = 0.01;

    /// <summary>The largest fair-share weight.</summary>
    public const double MaxWeight = 100;

    /// <summary>The largest compute limit: a million cards.</summary>
    public const double MaxGpuPercent = 100_000_000;

    /// <summary>The largest monthly budget: a million cards for a month.</summary>
    public const double MaxGpuHoursPerMonth = 1_000_000.0 * 24 * 31;

    /// <summary>True when no limit is set, nor a priority cap: nothing is charged against it (it may still carry a weight).</summary>
    public bool IsUnlimited => GpuPercent is null && GpuMemoryMiB is null && Tasks is null && MaxPriority is null && OnlineGpuPercent is null && GpuHoursPerMonth is null;

    /// <summary>True when neither a limit, a weight nor an idle timeout is set: such a quota is the same as none.</summary>
    public bool IsEmpty => IsUnlimited && Weight is null && IdleTimeout is null;

    /// <summary>True when the quota lends room beyond its compute and memory limits.</summary>
    public bool Lends => Borrow == true;

    /// <summary>The limits and weight set, in a line ("gpuPercent 400, tasks 5, weight 2"); "no limits" when none.</summary>
    public string Summary()
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} {value}"));
            }
        }

        Add("gpuPercent", GpuPercent);
        Add("gpuMemoryMiB", GpuMemoryMiB);
        Add("onlineGpuPercent", OnlineGpuPercent);
        Add("tasks", Tasks);
        Add("maxPriority", MaxPriority?.ToString().ToLowerInvariant());
        Add("gpuHoursPerMonth", GpuHoursPerMonth);
        Add("idleTimeout", IdleTimeout is { } idle ? Durations.Format(idle) : null);
        Add("borrow", Borrow == true ? "on" : null);
        Add("weight", Weight);
        return parts.Count == 0 ? "no limits" : string.Join(", ", parts);
    }

    /// <summary>The compute limit in thousandths of a card, as tasks are charged.</summary>
    public long? GpuMilli => Milli(GpuPercent);

    /// <summary>The online compute limit in thousandths of a card.</summary>
    public long? OnlineGpuMilli => Milli(OnlineGpuPercent);

    private static long? Milli(double? percent) => percent is { } p ? (long)Math.Round(p * 10, MidpointRounding.AwayFromZero) : null;

    /// <summary>Every broken rule, each naming its field; empty when the quota may be set.</summary>
    public ImmutableArray<ValidationError> Validate()
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (GpuPercent is { } percent && (!double.IsFinite(percent) || percent < 0 || percent > MaxGpuPercent))
        {
            errors.Add(new("quota.gpuPercent", $"must be 0 to {MaxGpuPercent:0} (percent of one card, summed over cards)"));
        }
        else if (GpuPercent is { } p && Math.Abs((p * 10) - Math.Round(p * 10)) > 1e-6)
        {
            errors.Add(new("quota.gpuPercent", "must be a multiple of 0.1"));
        }

        if (OnlineGpuPercent is { } online && (!double.IsFinite(online) || online < 0 || online > MaxGpuPercent))
        {
            errors.Add(new("quota.onlineGpuPercent", $"must be 0 to {MaxGpuPercent:0} (percent of one card, summed over its online tasks' cards)"));
        }
        else if (OnlineGpuPercent is { } o && Math.Abs((o * 10) - Math.Round(o * 10)) > 1e-6)
        {
            errors.Add(new("quota.onlineGpuPercent", "must be a multiple of 0.1"));
        }

        if (GpuHoursPerMonth is { } hours && (!double.IsFinite(hours) || hours < 0 || hours > MaxGpuHoursPerMonth))
        {
            errors.Add(new("quota.gpuHoursPerMonth", $"must be 0 to {MaxGpuHoursPerMonth:0} (card-hours per calendar month, UTC)"));
        }

        if (IdleTimeout is { } idleTimeout && (idleTimeout < TaskSpec.MinIdleTimeout || idleTimeout > TaskSpec.MaxRuntimeLimit))
        {
            errors.Add(new("quota.idleTimeout", $"must be {TaskSpec.MinIdleTimeout.TotalMinutes:0} minute to {TaskSpec.MaxRuntimeLimit.TotalDays:0} days"));
        }

        if (GpuMemoryMiB is < 0)
        {
            errors.Add(new("quota.gpuMemoryMiB", "must not be negative"));
        }

        if (Tasks is < 0)
        {
            errors.Add(new("quota.tasks", "must not be negative"));
        }

        if (Weight is { } weight && (!double.IsFinite(weight) || weight < MinWeight || weight > MaxWeight))
        {
            errors.Add(new("quota.weight", $"must be {MinWeight} to {MaxWeight:0} (1 is an equal share)"));
        }

        if (MaxPriority is { } max && !Enum.IsDefined(max))
        {
            errors.Add(new("quota.maxPriority", $"must be offline, training or online, not {(int)max}"));
        }

        if (Borrow == true && GpuPercent is null && GpuMemoryMiB is null)
        {
            errors.Add(new("quota.borrow", "needs a gpuPercent or gpuMemoryMiB limit to borrow beyond"));
        }

        return errors.ToImmutable();
    }
}
