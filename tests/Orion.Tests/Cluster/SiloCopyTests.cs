using Microsoft.Extensions.Time.Testing;
using Orion.Grains;

namespace Orion.Tests.Cluster;

/// <summary>A silo's copy of a grain's value: kept while fresh, and standing in for it while asking fails.</summary>
public sealed class SiloCopyTests
{
    [Fact]
    public async Task When_asking_fails_the_last_value_heard_stands_in_else_the_fallback()
    {
        var clock = new FakeTimeProvider();
        var answers = new Queue<Func<int>>([() => 1, () => throw new TimeoutException("owner gone")]);
        var copy = new SiloCopy<int>(() => Task.FromResult(answers.Dequeue()()), () => TimeSpan.FromSeconds(1), _ => true, clock);
        var failures = new List<(string, bool)>();
        void Failed(Exception ex, bool last) => failures.Add((ex.Message, last));

        Assert.Null(copy.SinceHeard);
        Assert.Equal(1, await copy.GetOrLast(() => -1, Failed));
        Assert.Equal(1, await copy.GetOrLast(() => -1, Failed)); // fresh: not asked again
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await copy.GetOrLast(() => -1, Failed));
        Assert.Equal([("owner gone", true)], failures);

        // How old the value standing in is: from its question, not the failed one.
        Assert.Equal(TimeSpan.FromSeconds(2), copy.SinceHeard);

        var never = new SiloCopy<int>(() => throw new TimeoutException("never answered"), () => TimeSpan.FromSeconds(1), _ => true, clock);
        Assert.Equal(-1, await never.GetOrLast(() => -1, Failed));
        Assert.Equal(("never answered", false), failures[^1]);
    }

    [Fact]
    public async Task A_caller_that_must_see_a_change_made_before_it_called_waits_for_a_question_asked_after()
    {
        var clock = new FakeTimeProvider();
        var version = 0;
        var asked = 0;
        var answer = new TaskCompletionSource();
        var copy = new SiloCopy<int>(
            async () =>
            {
                // The owner reads its value when the question reaches it, then answers.
                asked++;
                var read = version;
                await answer.Task;
                return read;
            },
            () => TimeSpan.FromMinutes(1),
            _ => true,
            clock);

        var first = copy.Get();
        version = 1;
        clock.Advance(TimeSpan.FromTicks(1));
        var mustSeeIt = copy.Get(TimeSpan.Zero);
        var anyFresh = copy.Get();
        Assert.Equal(1, asked); // one question out at a time
        answer.SetResult();

        Assert.Equal((0, 0), (await first, await anyFresh));
        Assert.Equal(1, await mustSeeIt);
        Assert.Equal(2, asked);
        Assert.Equal(1, await copy.Get());
        Assert.Equal(2, asked);
    }
}
