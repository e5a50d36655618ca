using System.Diagnostics;
using Orion.Contracts;

namespace Orion.Tests.Cluster;

/// <summary>
/// A task grain answers broken input with a validation error or an error naming the argument, never with a
/// NullReferenceException or the timer's own error, and its long-poll waits on the pool's clock.
/// </summary>
public sealed class TaskGrainInputTests
{
    [Fact]
    public async Task A_repeat_submit_with_a_broken_spec_is_rejected_naming_the_field()
    {
        await using var pool = await TestPool.StartAsync([]);
        var task = pool.Grains.GetGrain<IVGpuTaskGrain>("t-1");
        Assert.True((await task.Submit(Specs.Batch())).Accepted);

        var noConstraints = await task.Submit(Specs.Batch() with { Constraints = null! });
        Assert.False(noConstraints.Accepted);
        Assert.Contains(noConstraints.Errors, e => e.Field == "constraints");

        var noSpec = await task.Submit(null!);
        Assert.False(noSpec.Accepted);
        Assert.Contains(noSpec.Errors, e => e.Field == "spec");

        // The task itself is untouched, and the same spec again is still the same task.
        Assert.True((await task.Submit(Specs.Batch())).Accepted);
    }

    [Theory]
    [InlineData("team/job-1")]
    [InlineData("job 1")]
    [InlineData("job\n1")]
    [InlineData("a-task-id-longer-than-the-rule-allows-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    public async Task A_task_id_that_breaks_the_rule_is_rejected_at_the_grain_and_nothing_is_kept(string id)
    {
        await using var pool = await TestPool.StartAsync([TestPool.Node("n0", gpus: 1)]);

        // Straight to the grain, past the SDK's own check: the grain is where a key becomes a task.
        var result = await pool.Grains.GetGrain<IVGpuTaskGrain>(id).Submit(Specs.Batch());
        Assert.False(result.Accepted);
        Assert.Equal([new ValidationError("taskId", TaskIdFormat.Rule)], result.Errors.ToArray());
        Assert.Null(await pool.Grains.GetGrain<IVGpuTaskGrain>(id).GetStatus());
        Assert.Empty(await pool.Client.ListAsync());

        // The SDK says the same before sending anything.
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.SubmitAsync(Specs.Batch(), id));
        Assert.Contains(TaskIdFormat.RuleOrNull, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_ids_of_the_sdk_and_of_the_usual_kinds_keep_the_rule()
    {
        Assert.True(TaskIdFormat.IsValid("t-0123456789abcdef"));
        Assert.True(TaskIdFormat.IsValid("Llama-70B_serve.v2"));
        Assert.True(TaskIdFormat.IsValid(new string('a', TaskIdFormat.MaxLength)));
        Assert.False(TaskIdFormat.IsValid(new string('a', TaskIdFormat.MaxLength + 1)));
        Assert.False(TaskIdFormat.IsValid(""));
        Assert.False(TaskIdFormat.IsValid(null));
        Assert.False(TaskIdFormat.IsValid("tâche"));
    }

    [Fact]
    public async Task A_negative_wait_is_refused_naming_the_timeout()
    {
        await using var pool = await TestPool.StartAsync([]);
        var task = pool.Grains.GetGrain<IVGpuTaskGrain>("t-1");
        var status = (await task.Submit(Specs.Batch())).Status!;

        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => task.WaitForChange(status.Version, TimeSpan.FromSeconds(-5)));
        Assert.Contains("timeout must not be negative", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wait_longer_than_a_timer_can_run_still_returns_at_the_change()
    {
        await using var pool = await TestPool.StartAsync([]);
        var task = pool.Grains.GetGrain<IVGpuTaskGrain>("t-1");
        var status = (await task.Submit(Specs.Batch())).Status!;

        // Past what a timer can be set to (about 49 days): cut to the longest wait, not an error.
        var waiting = task.WaitForChange(status.Version, TimeSpan.FromDays(100));
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        await task.Cancel("done");
        var changed = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TaskState.Cancelled, changed!.State);
    }

    [Fact]
    public async Task A_wait_times_out_on_the_pools_clock()
    {
        await using var pool = await TestPool.StartAsync([]);
        var task = pool.Grains.GetGrain<IVGpuTaskGrain>("t-1");
        var status = (await task.Submit(Specs.Batch())).Status!;

        // Twenty seconds of the pool's clock pass at once: the wait ends then, not after twenty real seconds.
        var watch = Stopwatch.StartNew();
        var waiting = task.WaitForChange(status.Version, TimeSpan.FromSeconds(20));
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        pool.Advance(TimeSpan.FromSeconds(21));
        var same = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(status.Version, same!.Version);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the wait took {watch.Elapsed} of real time");
    }
}
