namespace Orion.Contracts;

/// <summary>What a tenant's live tasks ask of the pool, beside its quota.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="Quota">Its quota; null when it has none.</param>
/// <param name="GpuPercent">Compute its live tasks asked for, summed over cards, in percent of one card.</param>
/// <param name="GpuMemoryMiB">GPU memory its live tasks asked for, summed over cards (whole cards that did not state theirs count 0).</param>
/// <param name="Tasks">Its live tasks that its quota admitted (all of them when it has none).</param>
/// <param name="Waiting">Its tasks in line for room under its quota.</param>
/// <param name="BorrowedGpuPercent">Compute its live tasks on borrowed room asked for (not counted in <paramref name="GpuPercent"/>).</param>
/// <param name="Borrowed">Its live tasks on borrowed room (not counted in <paramref name="Tasks"/>).</param>
/// <param name="SetAsideGpuPercent">Compute set aside for gang members not admitted yet, whose gang's first member was (counts against the quota, not in <paramref name="GpuPercent"/>).</param>
/// <param name="SetAsideGpuMemoryMiB">GPU memory set aside for them.</param>
/// <param name="SetAsideTasks">How many members the room is set aside for (counts against the task limit, not in <paramref name="Tasks"/>).</param>
/// <param name="OnlineGpuPercent">Compute its online tasks ask, summed over cards, in percent of one card (within <paramref name="GpuPercent"/>).</param>
/// <param name="QuotaIsDefault">True when <paramref name="Quota"/> is the pool's default (<c>Orion:Pool:DefaultQuota</c>), the tenant having none of its own.</param>
/// <param name="GpuHoursThisMonth">
/// Card-hours the tenant's tasks were metered this calendar month (UTC), against its quota's
/// <see cref="TenantQuota.GpuHoursPerMonth"/>; null when its quota sets no such budget.
/// </param>
[GenerateSerializer, Alias("orion.TenantUsage"), Immutable]
public sealed record TenantUsage(
    [property: Id(0)] string Tenant,
    [property: Id(1)] TenantQuota? Quota,
    [property: Id(2)] double GpuPercent,
    [property: Id(3)] long GpuMemoryMiB,
    [property: Id(4)] int Tasks,
    [property: Id(5)] int Waiting = 0,
    [property: Id(6)] double BorrowedGpuPercent = 0,
    [property: Id(7)] int Borrowed = 0,
    [property: Id(8)] double SetAsideGpuPercent = 0,
    [property: Id(9)] long SetAsideGpuMemoryMiB = 0,
    [property: Id(10)] int SetAsideTasks = 0,
    [property: Id(11)] bool QuotaIsDefault = false,
    [property: Id(12)] double OnlineGpuPercent = 0,
    [property: Id(13)] double? GpuHoursThisMonth = null);
