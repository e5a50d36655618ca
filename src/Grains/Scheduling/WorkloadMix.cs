namespace Orion.Grains.Scheduling;

/// <summary>
/// The "typical" tasks of a workload: the most popular shapes that together cover a share of all tasks,
/// with their popularity as weights (summing to 1).
/// </summary>
public sealed class WorkloadMix
{
    public WorkloadMix(IReadOnlyList<(WorkloadShape Shape, double Weight)> shapes)
    {
        var total = shapes.Sum(s => s.Weight);
        ShapeArray = total <= 0 ? [] : shapes.Select(s => (s.Shape, s.Weight / total)).ToArray();
    }

    public IReadOnlyList<(WorkloadShape Shape, double Weight)> Shapes => ShapeArray;

    internal (WorkloadShape Shape, double Weight)[] ShapeArray { get; }

    /// <summary>The mix's leftover waste table, built once per mix.</summary>
    public LeftoverWaste Waste => waste ??= LeftoverWaste.Of(this);

    private LeftoverWaste? waste;

    /// <summary>Total variation distance to another mix: the share of weight that would have to move to turn one into the other.</summary>
    public double DistanceTo(WorkloadMix other)
    {
        var mine = new Dictionary<WorkloadShape, double>(ShapeArray.Length);
        foreach (var (shape, weight) in ShapeArray)
        {
            mine[shape] = weight;
        }

        double moved = 0;
        foreach (var (shape, weight) in other.ShapeArray)
        {
            moved += Math.Abs(weight - (mine.Remove(shape, out var w) ? w : 0));
        }

        foreach (var w in mine.Values)
        {
            moved += w;
        }

        return moved / 2;
    }

    /// <summary>The most popular shapes of <paramref name="requests"/> that cover <paramref name="coverage"/> of them.</summary>
    public static WorkloadMix FromRequests(IEnumerable<PlacementRequest> requests, double coverage = 0.95) =>
        FromCounts(requests.GroupBy(WorkloadShape.Of).Select(g => (g.Key, (long)g.Count())), coverage);

    /// <summary>The most popular shapes by count that cover <paramref name="coverage"/> of all counted tasks.</summary>
    public static WorkloadMix FromCounts(IEnumerable<(WorkloadShape Shape, long Count)> counts, double coverage = 0.95)
    {
        var ordered = counts.Where(c => c.Count > 0)
            .OrderByDescending(c => c.Count)
            .ThenBy(c => c.Shape.GpuCount).ThenBy(c => c.Shape.ComputeMilli).ThenBy(c => c.Shape.CpuMilli)
            .ThenBy(c => c.Shape.HostMemoryMiB).ThenBy(c => c.Shape.GpuModels, StringComparer.Ordinal)
            .ToList();
        var total = ordered.Sum(c => c.Count);
        var picked = new List<(WorkloadShape, double)>();
        long covered = 0;
        foreach (var (shape, count) in ordered)
        {
            if (total > 0 && covered >= coverage * total)
            {
                break;
            }

            picked.Add((shape, count));
            covered += count;
        }

        return new WorkloadMix(picked);
    }
}
