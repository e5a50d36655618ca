using Orion.Contracts;
using Orion.Grains.Deployments;

namespace Orion.Tests.Deployments;

public sealed class ReplicaAutoscalerTests
{
    private static readonly AutoscaleSpec Spec = new(Min: 2, Max: 10, TargetBusyPercent: 50);
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Theory]
    [InlineData(2, 1.0, 4)]
    [InlineData(2, 0.5, 2)]
    [InlineData(3, 0.5, 3)]
    [InlineData(4, 0.26, 3)]
    [InlineData(4, 0.0, 2)]
    [InlineData(8, 1.0, 10)]
    [InlineData(1, 1.7, 2)]
    public void The_recommendation_carries_the_measured_demand_at_the_target_within_the_bounds(int measured, double busy, int replicas) =>
        Assert.Equal(replicas, ReplicaAutoscaler.Recommend(measured, busy, Spec));

    [Fact]
    public void Exactly_at_the_target_is_not_one_more()
    {
        // 3 × 0.7 / 0.7 is a hair over 3 in floating point.
        Assert.Equal(3, ReplicaAutoscaler.Recommend(3, 0.7, new AutoscaleSpec(1, 10, 70)));
    }

    private static readonly AutoscaleSpec OnQueue = new(Min: 1, Max: 20, Metric: new ScaleMetric("vllm:num_requests_waiting", 5, 8000));

    [Theory]
    [InlineData(new[] { 10.0, 10.0 }, 0, 4)]
    [InlineData(new[] { 5.0, 5.0, 5.0 }, 0, 3)]
    [InlineData(new[] { 1.0, 0.0, 2.0 }, 0, 1)]
    [InlineData(new[] { 0.0 }, 0, 1)]
    [InlineData(new[] { 50.0, 50.0 }, 0, 20)]
    [InlineData(new[] { 12.0 }, 0, 3)]
    [InlineData(new[] { -3.0, 6.0 }, 0, 2)]
    public void On_a_metric_the_recommendation_carries_the_sum_at_the_target_per_replica(double[] values, int unread, int replicas) =>
        Assert.Equal(replicas, ReplicaAutoscaler.RecommendByMetric(values, unread, OnQueue));

    [Fact]
    public void Within_a_tenth_of_the_target_the_count_stays()
    {
        // 5.4 and 4.6 per replica: noise around 5, not a reason to move from 3.
        Assert.Equal(3, ReplicaAutoscaler.RecommendByMetric([5.4, 5.4, 5.4], 0, OnQueue));
        Assert.Equal(3, ReplicaAutoscaler.RecommendByMetric([4.6, 4.6, 4.6], 0, OnQueue));
        Assert.Equal(4, ReplicaAutoscaler.RecommendByMetric([5.6, 5.6, 5.6], 0, OnQueue));
        Assert.Equal(2, ReplicaAutoscaler.RecommendByMetric([3, 3, 3], 0, OnQueue));
    }

    [Fact]
    public void A_replica_not_read_never_moves_the_count_further()
    {
        // Up: the unread one reads nothing (the two read carry 30: six replicas).
        Assert.Equal(6, ReplicaAutoscaler.RecommendByMetric([15, 15], 1, OnQueue));

        // Down: the unread ones are at the target, so one read idle takes away one replica, not three.
        Assert.Equal(3, ReplicaAutoscaler.RecommendByMetric([0], 3, OnQueue));
        Assert.Equal(4, ReplicaAutoscaler.RecommendByMetric([2], 3, OnQueue));

        // Nothing read: no recommendation at all.
        Assert.Null(ReplicaAutoscaler.RecommendByMetric([], 4, OnQueue));
        Assert.Throws<ArgumentException>(() => ReplicaAutoscaler.RecommendByMetric([1], 0, Spec));
    }

    [Fact]
    public void Up_at_once_but_at_most_doubling_per_look()
    {
        Assert.Equal(4, ReplicaAutoscaler.Decide(2, [(T0, 9)], T0, T0, Spec));
        Assert.Equal(3, ReplicaAutoscaler.Decide(2, [(T0, 3)], T0, T0, Spec));
        Assert.Equal(10, ReplicaAutoscaler.Decide(8, [(T0, 10)], T0, T0, Spec));
    }

    [Fact]
    public void Down_only_once_a_whole_window_was_measured_and_only_to_the_most_it_asked_for()
    {
        var w = ReplicaAutoscaler.ScaleDownWindow;

        // Measured for less than the window: nothing goes.
        Assert.Equal(6, ReplicaAutoscaler.Decide(6, [(T0, 2), (T0 + w / 2, 2)], T0, T0 + w / 2, Spec));

        // A whole window: to the most it asked for (a burst in the window keeps its replicas).
        Assert.Equal(4, ReplicaAutoscaler.Decide(6, [(T0, 2), (T0 + w / 2, 4), (T0 + w, 2)], T0, T0 + w, Spec));
        Assert.Equal(2, ReplicaAutoscaler.Decide(6, [(T0 + w, 2), (T0 + w * 1.5, 2)], T0, T0 + w * 1.5, Spec));

        // Recommendations older than the window do not count.
        Assert.Equal(2, ReplicaAutoscaler.Decide(6, [(T0, 6), (T0 + w * 2, 2)], T0, T0 + w * 2, Spec));
    }

    [Fact]
    public void A_count_outside_the_bounds_is_brought_within_them_and_no_measure_changes_nothing_else()
    {
        Assert.Equal(2, ReplicaAutoscaler.Decide(1, [], T0, T0, Spec));
        Assert.Equal(10, ReplicaAutoscaler.Decide(12, [], T0, T0, Spec));
        Assert.Equal(5, ReplicaAutoscaler.Decide(5, [], T0, T0, Spec));
    }
}
