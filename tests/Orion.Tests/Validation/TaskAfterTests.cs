using Orion.Contracts;

namespace Orion.Tests.Validation;

/// <summary>How an awaited task's ending meets each <see cref="AfterCondition"/>.</summary>
public sealed class TaskAfterTests
{
    [Theory]
    [InlineData(TaskState.Completed, AfterCondition.Completed, true)]
    [InlineData(TaskState.Failed, AfterCondition.Completed, false)]
    [InlineData(TaskState.Cancelled, AfterCondition.Completed, false)]
    [InlineData(TaskState.Completed, AfterCondition.Ended, true)]
    [InlineData(TaskState.Failed, AfterCondition.Ended, true)]
    [InlineData(TaskState.Cancelled, AfterCondition.Ended, true)]
    [InlineData(TaskState.Completed, AfterCondition.Failed, false)]
    [InlineData(TaskState.Failed, AfterCondition.Failed, true)]
    [InlineData(TaskState.Cancelled, AfterCondition.Failed, false)]
    public void An_ended_task_meets_a_condition_or_never_will(TaskState state, AfterCondition condition, bool met) =>
        Assert.Equal(met, TaskAfter.Met(state, condition));

    [Theory]
    [InlineData(TaskState.Pending)]
    [InlineData(TaskState.Blocked)]
    [InlineData(TaskState.Running)]
    [InlineData(TaskState.Suspended)]
    [InlineData(TaskState.Scheduled)]
    public void A_task_not_ended_is_still_open_under_every_condition(TaskState state) =>
        Assert.All(Enum.GetValues<AfterCondition>(), c => Assert.Null(TaskAfter.Met(state, c)));

    [Fact]
    public void A_task_gone_has_ended_but_its_outcome_is_unknown() =>
        Assert.Equal([false, true, false], Enum.GetValues<AfterCondition>().Select(c => TaskAfter.Met(null, c)));
}
