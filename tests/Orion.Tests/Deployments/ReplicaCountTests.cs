using System.Text.Json;
using Orion.Contracts;

namespace Orion.Tests.Deployments;

public sealed class ReplicaCountTests
{
    [Theory]
    [InlineData("2", 2, false)]
    [InlineData(" 25% ", 25, true)]
    [InlineData("0%", 0, true)]
    [InlineData("-1", -1, false)]
    public void Counts_and_shares_are_read_as_written(string text, int value, bool percent)
    {
        Assert.Equal(new ReplicaCount(value, percent), ReplicaCount.Parse(text));
        Assert.Equal(text.Trim(), ReplicaCount.Parse(text).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("%")]
    [InlineData("25 %")]
    [InlineData("a quarter")]
    [InlineData("2.5")]
    [InlineData(null)]
    public void Anything_else_is_not_a_replica_count(string? text) => Assert.Null(ReplicaCount.Parse(text));

    [Theory]
    [InlineData(25, 10, true, 3)]
    [InlineData(25, 10, false, 2)]
    [InlineData(25, 3, false, 0)]
    [InlineData(1, 1, true, 1)]
    [InlineData(100, 1000, false, 1000)]
    public void A_share_is_taken_of_the_count_rounded_as_asked(int percent, int replicas, bool roundUp, int expected) =>
        Assert.Equal(expected, ReplicaCount.Share(percent).Of(replicas, roundUp));

    [Fact]
    public void A_count_is_itself_whatever_the_replicas()
    {
        Assert.Equal(3, ((ReplicaCount)3).Of(1, roundUp: false));
        Assert.Equal(3, ReplicaCount.FromInt32(3).Of(100, roundUp: true));
    }

    [Fact]
    public void In_json_a_count_is_a_number_and_a_share_a_string()
    {
        var strategy = new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = ReplicaCount.Share(25) };
        var json = JsonSerializer.Serialize(strategy);
        Assert.Equal("""{"MaxSurge":0,"MaxUnavailable":"25%","DisruptionBudget":1,"MinReady":"00:00:00","RollBackOnFailure":false,"ProgressDeadline":"00:00:00"}""", json);
        Assert.Equal(strategy, JsonSerializer.Deserialize<DeploymentStrategy>(json));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DeploymentStrategy>("""{"MaxSurge":"lots"}"""));
    }

    [Fact]
    public void A_rollout_of_shares_that_come_to_nothing_may_miss_one_and_a_budget_is_at_least_one()
    {
        var shares = new DeploymentStrategy { MaxSurge = ReplicaCount.Share(0), MaxUnavailable = ReplicaCount.Share(25), DisruptionBudget = ReplicaCount.Share(10) };
        Assert.Equal((0, 1), shares.RolloutFor(3));
        Assert.Equal((0, 2), shares.RolloutFor(8));
        Assert.Equal(1, shares.BudgetFor(3));
        Assert.Equal(3, shares.BudgetFor(21));
        Assert.Equal((1, 0), DeploymentStrategy.Default.RolloutFor(0));
    }

    [Fact]
    public void A_replica_is_warm_once_it_has_run_its_min_ready_and_always_without_one()
    {
        var at = DateTimeOffset.UnixEpoch;
        var strategy = new DeploymentStrategy { MinReady = TimeSpan.FromMinutes(2) };
        Assert.False(strategy.Warm(at, at.AddSeconds(119)));
        Assert.True(strategy.Warm(at, at.AddMinutes(2)));
        Assert.False(strategy.Warm(null, at));
        Assert.True(DeploymentStrategy.Default.Warm(null, at));
        Assert.Equal("surge 1, unavailable 0; drains move 1 at a time; ready after 2m running", strategy.ToString());
    }
}
