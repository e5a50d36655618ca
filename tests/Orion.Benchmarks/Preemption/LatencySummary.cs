namespace Orion.Benchmarks.Preemption;

/// <summary>Percentiles of a set of latencies, in microseconds.</summary>
public sealed record LatencySummary(double P50Us, double P99Us, double MaxUs, double MeanUs, int Count)
{
    public static LatencySummary Of(IReadOnlyCollection<double> microseconds)
    {
        var sorted = microseconds.Order().ToArray();
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(At(0.50), At(0.99), sorted[^1], sorted.Average(), sorted.Length);
    }
}
