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
