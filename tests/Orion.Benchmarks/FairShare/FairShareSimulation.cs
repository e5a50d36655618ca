using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Benchmarks.FairShare;

/// <summary>
/// Two tenants with full queues of one-card jobs on a pool of whole cards, hour by hour over days: tenant a from the first
/// hour, b from a later day. Freed cards go to queued jobs in the product's fair order (<see cref="FairShareOrder"/>), by
/// holdings alone or with each tenant's past share (<see cref="Contracts.FairShare.PastShare"/>) from the usage the run
/// metered day by day. A model of the order, not of placement: every card takes any job.
/// </summary>
public static class FairShareSimulation
{
    private const long CardMemoryMiB = 81_920;
    private const long JobMemoryMiB = 8_192;
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>One run's days: the card-hours each tenant's jobs ran, by day.</summary>
    public sealed record Run(string Mode, int Seed, double[] CardHoursA, double[] CardHoursB);

    public static Run Simulate(int cards, int days, int arrivalDay, TimeSpan? halfLife, int seed, int maxJobHours)
    {
        var random = new Random(seed);
        var (hoursA, hoursB) = (new double[days], new double[days]);
        var usage = new Dictionary<string, SortedDictionary<DateOnly, double>>(StringComparer.Ordinal) { ["a"] = [], ["b"] = [] };
        var running = new List<(string Tenant, int EndsAt)>();
        var queued = new Dictionary<string, Queue<QueuedTask>>(StringComparer.Ordinal) { ["a"] = new(), ["b"] = new() };
        var submitted = 0;
        void Refill(string tenant, DateTimeOffset at)
        {
            // A full queue: always a card's worth of jobs more than the pool.
            while (queued[tenant].Count < cards)
            {
                var id = $"{tenant}{submitted++}";
                var spec = new TaskSpec(id, tenant, new TaskPriority(PriorityClass.Offline), ResourceRequest.Slice(100, JobMemoryMiB, 100, 1024),
                    PlacementConstraints.None, WorkloadSpec.Batch(1, 1));
                queued[tenant].Enqueue(new QueuedTask(id, 1, spec, at));
            }
        }

        for (var hour = 0; hour < days * 24; hour++)
        {
            var now = Start.AddHours(hour);
            running.RemoveAll(r => r.EndsAt <= hour);
            Refill("a", now);
            if (hour >= arrivalDay * 24)
            {
                Refill("b", now);
            }

            var free = cards - running.Count;
            if (free > 0)
            {
                var line = queued.Values.SelectMany(q => q).OrderBy(t => t.SubmittedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal).ToList();
                (long, long) Held(string tenant)
                {
                    var n = running.Count(r => r.Tenant == tenant);
                    return (n * 1000L, n * JobMemoryMiB);
                }

                Dictionary<string, double>? past = null;
                if (halfLife is { } h)
                {
                    past = usage.ToDictionary(
                        u => u.Key,
                        u => Contracts.FairShare.PastShare(u.Value.Select(d => new UsageDay(d.Key, d.Value, d.Value * JobMemoryMiB, 0)), now, h, cards * 1000L, cards * CardMemoryMiB),
                        StringComparer.Ordinal);
                }

                foreach (var task in FairShareOrder.Arrange(line, Held, () => (cards * 1000L, cards * CardMemoryMiB), null, past).Take(free))
                {
                    queued[task.Spec.Tenant].Dequeue();
                    running.Add((task.Spec.Tenant, hour + random.Next(1, maxJobHours + 1)));
                }
            }

            // This hour's card-hours, metered on its day.
            var day = DateOnly.FromDateTime(now.UtcDateTime);
            foreach (var (tenant, _) in running)
            {
                usage[tenant][day] = usage[tenant].GetValueOrDefault(day) + 3600;
                (tenant == "a" ? hoursA : hoursB)[hour / 24] += 1;
            }
        }

        return new Run(halfLife is { } life ? $"history, half-life {Durations.Format(life)}" : "holdings now only", seed, hoursA, hoursB);
    }
}
