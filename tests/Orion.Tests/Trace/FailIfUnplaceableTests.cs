using Orion.Contracts;
using Orion.Tests.Cluster;

namespace Orion.Tests.Trace;

public sealed class FailIfUnplaceableTests
{
    [Fact]
    public void A_scheduled_task_may_not_fail_when_unplaceable()
    {
        var spec = Specs.Batch() with
        {
            Constraints = PlacementConstraints.None with { FailIfUnplaceable = true },
            Schedule = ScheduleSpec.Daily("30 22 * * *", TimeSpan.FromHours(1)),
        };

        var error = Assert.Single(SpecValidator.Validate(spec));
        Assert.Equal("constraints.failIfUnplaceable", error.Field);
        Assert.Empty(SpecValidator.Validate(spec with { Schedule = null }));
    }

    [Fact]
    public async Task A_task_that_fits_nowhere_fails_at_once_with_the_opt_in_and_waits_without_it()
    {
        await using var pool = await TestPool.StartAsync([TestPool.Node("n1", gpus: 1)], oversubscription: 1.0);
        var fill = await pool.SubmitAsync(Specs.Batch(computePercent: 80, items: 1_000_000));
        await pool.WaitForAsync(fill.TaskId, TaskState.Running);

        var failing = await pool.SubmitAsync(Specs.Batch(computePercent: 50) with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } });
        var waiting = await pool.SubmitAsync(Specs.Batch(computePercent: 50));

        var failed = await pool.WaitForAsync(failing.TaskId, TaskState.Failed);
        Assert.Null(failed.Placement);
        Assert.Equal(TaskState.Pending, await pool.StateOf(waiting.TaskId));
        Assert.Equal([waiting.TaskId], (await pool.SchedulerSnapshot()).Queue.ToArray());

        // With the opt-in, a task that fits is placed as usual.
        var fits = await pool.SubmitAsync(Specs.Batch(computePercent: 20) with { Constraints = PlacementConstraints.None with { FailIfUnplaceable = true } });
        await pool.WaitForAsync(fits.TaskId, TaskState.Running);
    }
}
