using Orion.Contracts;

namespace Orion.Grains.Deployments;

/// <summary>
/// How many replicas a deployment that scales itself keeps, from how busy its replicas were: pure. Up at once when they
/// are busier than the target (at most doubling per look), down only once a lower count has been enough for a whole
/// <see cref="ScaleDownWindow"/> (as Kubernetes' autoscaler stabilises scale-down), so a lull between bursts does not
/// take replicas that the next burst needs.
/// </summary>
public static class ReplicaAutoscaler
{
    /// <summary>How long a lower count must have been enough before replicas go.</summary>
    public static readonly TimeSpan ScaleDownWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The replicas that would carry the demand <paramref name="measured"/> replicas carried, each busy
    /// <paramref name="meanBusy"/> (0 to 1) of the time on average, at the target busy share; within the bounds.
    /// </summary>
    public static int Recommend(int measured, double meanBusy, AutoscaleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var load = measured * Math.Clamp(meanBusy, 0, 1);

        // A hair under a whole replica is that replica (floating point), not one more.
        var want = (int)Math.Ceiling(load * 100 / spec.TargetBusyPercent - 1e-9);
        return Math.Clamp(want, spec.Min, spec.Max);
    }

    /// <summary>How far the values may stray from the target, as a share of it, before the count changes (Kubernetes' 10%): noise is not a reason.</summary>
    public const double Tolerance = 0.1;

    /// <summary>
    /// The replicas that would carry the sum of <paramref name="values"/> (a metric read of each replica that answered) at
    /// the metric's target each, as Kubernetes' autoscaler does for an average value, within the bounds; the same count
    /// while they are within <see cref="Tolerance"/> of the target. The <paramref name="unread"/> replicas (not ready, no
    /// answer) count as reading nothing when the count would grow and as at the target when it would shrink, so a reading
    /// missing never moves it further. Null when nothing was read.
    /// </summary>
    public static int? RecommendByMetric(IReadOnlyList<double> values, int unread, AutoscaleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(spec);
        var target = spec.Metric?.Target ?? throw new ArgumentException("scales on no metric", nameof(spec));
        if (values.Count == 0)
        {
            return null;
        }

        var current = values.Count + unread;
        var sum = values.Sum(v => Math.Max(0, v));
        if (Math.Abs(sum / (values.Count * target) - 1) <= Tolerance)
        {
            return Math.Clamp(current, spec.Min, spec.Max);
        }

        // A hair under a whole replica is that replica (floating point), not one more.
        var want = (int)Math.Ceiling(sum / target - 1e-9);
        if (want < current && unread > 0)
        {
            want = Math.Min(current, (int)Math.Ceiling((sum / target) + unread - 1e-9));
        }

        return Math.Clamp(want, spec.Min, spec.Max);
    }

    /// <summary>
    /// The count to keep now, from <paramref name="current"/> and the recommendations made since
    /// <paramref name="measuringSince"/> (oldest first; those older than <see cref="ScaleDownWindow"/> may be left out).
    /// </summary>
    public static int Decide(int current, IReadOnlyList<(DateTimeOffset At, int Replicas)> recommendations, DateTimeOffset measuringSince, DateTimeOffset now, AutoscaleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        ArgumentNullException.ThrowIfNull(spec);
        var bounded = Math.Clamp(current, spec.Min, spec.Max);
        if (recommendations.Count == 0)
        {
            return bounded;
        }

        var newest = recommendations[^1].Replicas;
        if (newest > bounded)
        {
            return Math.Min(newest, Math.Min(spec.Max, Math.Max(bounded * 2, bounded + 1)));
        }

        // Down only with a whole window measured, to the most any recommendation in it asked for.
        if (now - measuringSince < ScaleDownWindow)
        {
            return bounded;
        }

        var most = recommendations.Where(r => now - r.At <= ScaleDownWindow).Select(r => r.Replicas).DefaultIfEmpty(newest).Max();
        return Math.Clamp(Math.Min(bounded, most), spec.Min, spec.Max);
    }
}
