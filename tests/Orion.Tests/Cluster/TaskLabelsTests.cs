using System.Collections.Immutable;
using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A task's own labels (<see cref="TaskSpec.Labels"/>): listed and cancelled by, kept through a repeated submit.</summary>
public sealed class TaskLabelsTests
{
    private static TaskSpec Trial(string sweep, string lr) => Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9) with
    {
        Labels = ImmutableDictionary<string, string>.Empty.Add("sweep", sweep).Add("lr", lr),
    };

    private static ImmutableDictionary<string, string> Selector(params (string Key, string Value)[] labels) =>
        labels.ToImmutableDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    [Fact]
    public async Task Tasks_are_listed_and_cancelled_by_their_labels_and_others_run_on()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Trial("s7", "0.1"), "s7-a");
        await pool.SubmitAsync(Trial("s7", "0.3"), "s7-b");
        await pool.SubmitAsync(Trial("s8", "0.1"), "s8-a");
        await pool.WaitForAsync("s8-a", TaskState.Running);

        Assert.Equal(["s7-a", "s7-b"], (await pool.Client.ListAsync(new TaskQuery(Labels: Selector(("sweep", "s7"))))).Select(t => t.TaskId).Order());
        Assert.Equal(["s7-a"], (await pool.Client.ListAsync(new TaskQuery(Labels: Selector(("sweep", "s7"), ("lr", "0.1"))))).Select(t => t.TaskId));
        Assert.Empty(await pool.Client.ListAsync(new TaskQuery(Labels: Selector(("sweep", "s9")))));

        var cancelled = await pool.Client.CancelManyAsync(new TaskQuery("team-a", Labels: Selector(("sweep", "s7"))), "sweep s7 diverged");
        Assert.Equal(["s7-a", "s7-b"], cancelled.Select(t => t.TaskId).Order());
        Assert.Equal(TaskState.Running, await pool.StateOf("s8-a"));
        await pool.AssertConsistentAsync(["s7-a", "s7-b", "s8-a"]);

        var bad = await Assert.ThrowsAsync<ArgumentException>(() => pool.Client.ListAsync(new TaskQuery(Labels: Selector(("sweep id", "s7")))));
        Assert.StartsWith("query.labels[sweep id]", bad.Message);
    }

    [Fact]
    public async Task A_repeated_submit_with_the_same_labels_is_the_same_task_and_other_labels_are_another_spec()
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        await pool.SubmitAsync(Trial("s7", "0.1"), "trial");
        var first = await pool.WaitForAsync("trial", TaskState.Running);

        // Labels come back from storage as another dictionary: equal labels are equal specs.
        var again = await pool.SubmitAsync(Trial("s7", "0.1") with { Labels = Selector(("lr", "0.1"), ("sweep", "s7")) }, "trial");
        Assert.Equal(first.Version, again.Version);
        var other = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Trial("s7", "0.2"), "trial"));
        Assert.Equal("taskId", other.Errors.Single().Field);
    }
}
