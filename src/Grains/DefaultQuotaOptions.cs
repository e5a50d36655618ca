using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// The quota of every tenant an admin has not given one (<c>Orion:Pool:DefaultQuota</c>): a new team can run so much,
/// and of such classes, until granted more. Unset: no default (a tenant without a quota is unbounded). Weights are
/// each tenant's own (a default tenant weighs 1).
/// </summary>
public sealed class DefaultQuotaOptions
{
    /// <summary>Compute summed over cards, percent of one card.</summary>
    public double? GpuPercent { get; set; }

    /// <summary>GPU memory summed over cards, MiB.</summary>
    public long? GpuMemoryMiB { get; set; }

    /// <summary>Compute summed over the tenant's online tasks, percent of one card.</summary>
    public double? OnlineGpuPercent { get; set; }

    /// <summary>Live tasks.</summary>
    public int? Tasks { get; set; }

    /// <summary>Lend idle room beyond the compute and memory limits.</summary>
    public bool? Borrow { get; set; }

    /// <summary>The highest priority class (offline, training or online).</summary>
    public PriorityClass? MaxPriority { get; set; }

    /// <summary>Card-hours per calendar month (UTC).</summary>
    public double? GpuHoursPerMonth { get; set; }

    /// <summary>How long a task may leave its cards idle before the pool stops it.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>The quota these settings give; null when none is set.</summary>
    public TenantQuota? Quota => new TenantQuota(GpuPercent, GpuMemoryMiB, Tasks, null, Borrow, MaxPriority, OnlineGpuPercent, GpuHoursPerMonth, IdleTimeout) is { IsEmpty: false } quota ? quota : null;
}
