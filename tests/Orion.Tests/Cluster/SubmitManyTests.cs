using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>SubmitManyAsync checks every entry and id before it sends any.</summary>
public sealed class SubmitManyTests
{
    [Theory]
    [InlineData("blank", "tasks[2].taskId", TaskIdFormat.RuleOrNull)]
    [InlineData("slash", "tasks[2].taskId", TaskIdFormat.RuleOrNull)]
    [InlineData("duplicate", "tasks[2].taskId", "must be unique in the batch ('a' is also tasks[0].taskId)")]
    [InlineData("null", "tasks[2]", "is required")]
    public async Task A_bad_entry_submits_none_of_the_batch(string bad, string field, string rule)
    {
        await using var pool = await StartAsync([Node("n0", gpus: 1)]);
        TaskSubmission[] tasks =
        [
            new(Specs.Batch(10), "a"),
            new(Specs.Batch(10), "b"),
            bad switch
            {
                "blank" => new(Specs.Batch(10), " "),
                "slash" => new(Specs.Batch(10), "team/job-1"),
                "duplicate" => new(Specs.Batch(10), "a"),
                _ => null!,
            },
        ];

        var ex = await Assert.ThrowsAsync<SpecValidationException>(() => pool.Client.SubmitManyAsync(tasks));
        Assert.Equal([new ValidationError(field, rule)], ex.Errors.ToArray());
        Assert.Empty(await pool.Client.ListAsync());
        Assert.Null(await pool.Client.GetAsync("a"));
    }
}
