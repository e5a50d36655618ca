using Orion.Contracts;
using Orion.Grains.Arbitration;

namespace Orion.Tests.Arbitration;

public sealed class CardArbiterTests
{
    private static ArbitrationTask Online(string id, int milli, bool busy, int level = 0) => new(id, new TaskPriority(PriorityClass.Online, level), milli, busy);

    private static ArbitrationTask Offline(string id, int milli, int level = 0, bool started = true) => new(id, new TaskPriority(PriorityClass.Offline, level), milli, false, started);

    private static ArbitrationTask Training(string id, int milli) => new(id, new TaskPriority(PriorityClass.Training), milli, false);

    [Fact]
    public void Without_busy_online_work_nothing_pauses_even_past_100_percent() =>
        Assert.Empty(CardArbiter.Paused([Online("web", 500, busy: false), Offline("a", 1000), Offline("b", 1000)]));

    [Fact]
    public void Lower_priority_pauses_only_when_busy_shares_plus_its_own_exceed_the_card()
    {
        Assert.Equal(["batch"], CardArbiter.Paused([Online("web", 600, busy: true), Offline("batch", 500)]));
        Assert.Empty(CardArbiter.Paused([Online("web", 400, busy: true), Offline("batch", 500)]));
        Assert.Empty(CardArbiter.Paused([Online("web", 500, busy: true), Offline("batch", 500)]));
    }

    [Fact]
    public void What_is_left_goes_to_training_before_offline_and_to_higher_levels_first()
    {
        var paused = CardArbiter.Paused([Online("web", 500, busy: true), Offline("low", 300, level: 0), Training("train", 400), Offline("high", 100, level: 9)]);
        Assert.Equal(["low"], paused.Order());
    }

    [Fact]
    public void A_smaller_task_still_fits_after_a_larger_one_did_not()
    {
        var paused = CardArbiter.Paused([Online("web", 700, busy: true), Offline("big", 500, level: 5), Offline("small", 200, level: 1)]);
        Assert.Equal(["big"], paused.Order());
    }

    [Fact]
    public void Busy_online_tasks_always_run_and_idle_ones_count_for_nothing()
    {
        var paused = CardArbiter.Paused([Online("a", 700, busy: true), Online("b", 600, busy: true), Online("idle", 900, busy: false), Offline("batch", 100)]);
        Assert.Equal(["batch"], paused.Order());
    }

    [Fact]
    public void A_task_not_started_yet_is_left_alone() =>
        Assert.Empty(CardArbiter.Paused([Online("web", 900, busy: true), Offline("reserved", 500, started: false)]));

    [Fact]
    public void Ties_are_broken_by_task_id_so_the_outcome_is_stable()
    {
        var a = CardArbiter.Paused([Online("web", 500, busy: true), Offline("y", 500), Offline("x", 500)]);
        var b = CardArbiter.Paused([Online("web", 500, busy: true), Offline("x", 500), Offline("y", 500)]);
        Assert.Equal(["y"], a.Order());
        Assert.Equal(a.Order(), b.Order());
    }

    [Fact]
    public void Equals_take_turns_yielding_the_one_that_yielded_longest_runs()
    {
        var web = Online("web", 500, busy: true);
        var first = CardArbiter.Paused([web, Offline("x", 500), Offline("y", 500)]);
        Assert.Equal(["y"], first.Order());

        // y has yielded 2 s: the next time the card is short, x yields.
        var second = CardArbiter.Paused([web, Offline("x", 500), Offline("y", 500) with { PausedFor = TimeSpan.FromSeconds(2) }]);
        Assert.Equal(["x"], second.Order());

        // Yielding does not buy a place above higher priority.
        var third = CardArbiter.Paused([web, Offline("x", 500, level: 1), Offline("y", 500) with { PausedFor = TimeSpan.FromHours(1) }]);
        Assert.Equal(["y"], third.Order());
    }

    [Fact]
    public void Among_equals_one_whose_memory_is_on_the_device_runs_before_one_that_would_wait_for_it()
    {
        // x has yielded longer, but its memory is partly on host RAM: resuming it would move memory and run nothing meanwhile.
        var paused = CardArbiter.Paused([
            Online("web", 500, busy: true),
            Offline("x", 500) with { PausedFor = TimeSpan.FromMinutes(5), Resident = false },
            Offline("y", 500)]);
        Assert.Equal(["x"], paused.Order());
    }
}
