using Orion.Contracts;
using Orion.Grains;

namespace Orion.Tests.Scheduling;

public sealed class ReservationClaimTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Only_reservations_older_than_the_timeout_and_not_running_under_their_generation_are_checked()
    {
        var held = new[]
        {
            ("stale", 1L, Now - TimeSpan.FromSeconds(31)),
            ("fresh", 1L, Now - TimeSpan.FromSeconds(29)),
            ("runs", 2L, Now - TimeSpan.FromMinutes(5)),
            ("ran-before", 3L, Now - TimeSpan.FromMinutes(5)),
        };
        var running = new[] { new RunningTask("runs", 2), new RunningTask("ran-before", 2) };

        Assert.Equal(["stale", "ran-before"], ReservationClaim.ToConfirm(held, running, Now, Timeout));
        Assert.Empty(ReservationClaim.ToConfirm(held.Take(2).Select(h => (h.Item1, h.Item2, Now)), [], Now, Timeout));
    }

    [Theory]
    [InlineData(TaskState.Placing, 4, "dc1/n0", true)]
    [InlineData(TaskState.Running, 4, "dc1/n0", true)]
    [InlineData(TaskState.Suspended, 4, "dc1/n0", true)]
    [InlineData(TaskState.Pending, 4, "dc1/n0", false)]
    [InlineData(TaskState.Failed, 4, "dc1/n0", false)]
    [InlineData(TaskState.Running, 5, "dc1/n0", false)]
    [InlineData(TaskState.Running, 4, "dc1/n1", false)]
    public void A_task_claims_a_reservation_while_it_holds_that_generation_on_that_node(TaskState state, long generation, string node, bool claims)
    {
        var status = new VGpuTaskStatus("t", Specs.Batch(computePercent: 50), state, new TaskPlacement(node, "dc1", ["gpu"], 500, 1024), generation, Now, null, null, null, null, 1);

        Assert.Equal(claims, ReservationClaim.Claims(status, 4, "dc1/n0"));
    }

    [Fact]
    public void No_task_claims_nothing()
    {
        Assert.False(ReservationClaim.Claims(null, 1, "dc1/n0"));
    }
}
