using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// The order a round offers its tasks in, fair between tenants: priority first, as the queue has it; within one priority,
/// the tenant holding the least of the data centre for its weight goes next (its dominant share, as in DRF: the larger of
/// its share of the cards' compute and of their memory, counting the tasks this order has already put ahead, divided by
/// its weight), with its own tasks in queue order; ties go to the tenant whose next task came first. So one tenant's
/// thousand queued jobs do not keep another's first job waiting behind them, and a tenant already holding much of the
/// pool yields room as it frees. With usage history (<see cref="PoolSettings.FairShareHalfLife"/>), a tenant's past share
/// (<see cref="FairShare.PastShare"/>) counts beside what it holds, so a team that has had much of the pool lately yields
/// to one that has had little. Pure.
/// </summary>
public static class FairShareOrder
{
    /// <summary>
    /// <paramref name="queued"/> (in queue order) rearranged; the same list when one tenant or none is in it.
    /// <paramref name="held"/> says what each tenant holds now, against <paramref name="capacity"/>: the data centre's cards
    /// together (asked only when there are two tenants to share between); <paramref name="weights"/> holds the weights
    /// that are not 1; <paramref name="past"/> the past shares that are not 0, when usage history counts. A task of whole
    /// cards (memory asked as 0) counts <paramref name="wholeCardMiB"/> of memory per card once put ahead.
    /// </summary>
    public static IReadOnlyList<QueuedTask> Arrange(
        IReadOnlyList<QueuedTask> queued, Func<string, (long ComputeMilli, long MemoryMiB)> held, Func<(long ComputeMilli, long MemoryMiB)> capacity,
        IReadOnlyDictionary<string, double>? weights = null, IReadOnlyDictionary<string, double>? past = null, long wholeCardMiB = 0)
    {
        if (!HasTwoTenants(queued))
        {
            return queued;
        }

        var (computeCapacityMilli, memoryCapacityMiB) = capacity();
        var ordered = new List<QueuedTask>(queued.Count);
        var start = 0;
        while (start < queued.Count)
        {
            // One priority at a time: the queue already sorts by it.
            var rank = queued[start].Spec.Priority.Rank;
            var end = start;
            while (end < queued.Count && queued[end].Spec.Priority.Rank == rank)
            {
                end++;
            }

            Interleave(queued, start, end, held, computeCapacityMilli, memoryCapacityMiB, weights, past, wholeCardMiB, ordered);
            start = end;
        }

        return ordered;
    }

    private static void Interleave(
        IReadOnlyList<QueuedTask> queued, int start, int end, Func<string, (long ComputeMilli, long MemoryMiB)> held,
        long computeCapacity, long memoryCapacity, IReadOnlyDictionary<string, double>? weights, IReadOnlyDictionary<string, double>? past,
        long wholeCardMiB, List<QueuedTask> ordered)
    {
        var lines = new Dictionary<string, TenantLine>(StringComparer.Ordinal);
        for (var i = start; i < end; i++)
        {
            var tenant = queued[i].Spec.Tenant;
            if (!lines.TryGetValue(tenant, out var line))
            {
                var (compute, memory) = held(tenant);
                lines[tenant] = line = new TenantLine(compute, memory, weights?.GetValueOrDefault(tenant, 1) ?? 1, past?.GetValueOrDefault(tenant) ?? 0);
            }

            line.Tasks.Enqueue(i);
        }

        // Lowest share first; then the earliest next task (its place in the queue).
        var next = new PriorityQueue<TenantLine, (double Share, int Head)>();
        foreach (var line in lines.Values)
        {
            next.Enqueue(line, (Share(line, computeCapacity, memoryCapacity), line.Tasks.Peek()));
        }

        while (next.TryDequeue(out var line, out _))
        {
            var task = queued[line.Tasks.Dequeue()];
            ordered.Add(task);
            var (compute, memory) = FairShareEviction.Asks(task.Spec.Resources, wholeCardMiB);
            line.ComputeMilli += compute;
            line.MemoryMiB += memory;
            if (line.Tasks.Count > 0)
            {
                next.Enqueue(line, (Share(line, computeCapacity, memoryCapacity), line.Tasks.Peek()));
            }
        }
    }

    private static double Share(TenantLine line, long computeCapacity, long memoryCapacity) =>
        Key(line.ComputeMilli, line.MemoryMiB, computeCapacity, memoryCapacity, line.Past, line.Weight);

    /// <summary>
    /// A tenant's share as fair sharing weighs it: its dominant share of the capacity plus its past share, over its weight;
    /// rounded so that equal shares reached by different sums (0.1 + 0.1 + 0.1 over 3, and 0.1) tie.
    /// </summary>
    public static double Key(long computeMilli, long memoryMiB, long computeCapacityMilli, long memoryCapacityMiB, double past, double weight) =>
        Math.Round((FairShare.DominantShare(computeMilli, memoryMiB, computeCapacityMilli, memoryCapacityMiB) + past) / weight, 9);

    /// <summary>Whether <paramref name="queued"/> holds tasks of two tenants or more: only then is there anything to share.</summary>
    public static bool HasTwoTenants(IReadOnlyList<QueuedTask> queued)
    {
        if (queued.Count < 2)
        {
            return false;
        }

        var first = queued[0].Spec.Tenant;
        for (var i = 1; i < queued.Count; i++)
        {
            if (!string.Equals(queued[i].Spec.Tenant, first, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class TenantLine(long computeMilli, long memoryMiB, double weight, double past)
    {
        public double Weight { get; } = weight;

        public double Past { get; } = past;

        public long ComputeMilli { get; set; } = computeMilli;

        public long MemoryMiB { get; set; } = memoryMiB;

        public Queue<int> Tasks { get; } = new();
    }
}
