using Microsoft.Extensions.Time.Testing;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Simulation;

public sealed class SimulatedGpuBackendTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly List<(TaskExit Exit, DateTimeOffset At)> exits = [];

    private SimulatedGpuBackend Backend(params string[] models)
    {
        var b = new SimulatedGpuBackend("dc1/n", models.Select(GpuModelCatalog.Get).ToList(), clock);
        b.Exited += e => exits.Add((e, e.At));
        return b;
    }

    private static TaskLaunch Batch(string id, int milli, double gpuMs, int card = 0, long memory = 1024) =>
        new(id, 1, [$"dc1/n/{card}"], milli, memory, WorkloadSpec.Batch(1, gpuMs));

    private TimeSpan ExitAfter(string id, DateTimeOffset start) => exits.Single(e => e.Exit.TaskId == id).At - start;

    [Fact]
    public void A_whole_card_task_ends_exactly_when_its_work_is_done()
    {
        using var b = Backend("A100-80GB");
        var start = clock.GetUtcNow();
        b.Start(Batch("t", 1000, 1000));
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(exits);
        Assert.Equal(999, b.GetTask("t")!.GpuMsDone, 6);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), ExitAfter("t", start));
        Assert.Equal(1000, exits[0].Exit.GpuMsDone);
    }

    [Fact]
    public void Two_half_slices_on_one_card_each_finish_in_twice_their_gpu_time()
    {
        using var b = Backend("A100-80GB");
        var start = clock.GetUtcNow();
        b.Start(Batch("a", 500, 1000));
        b.Start(Batch("b", 500, 1000));
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Empty(exits);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), ExitAfter("a", start));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), ExitAfter("b", start));
        Assert.Equal(0, b.GetCard(0).BusyFraction);
    }

    [Fact]
    public void Slices_are_hard_caps_so_a_task_alone_on_a_card_still_gets_only_its_share()
    {
        using var b = Backend("A100-80GB");
        var start = clock.GetUtcNow();
        b.Start(Batch("short", 500, 500));
        b.Start(Batch("long", 500, 1000));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), ExitAfter("short", start));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), ExitAfter("long", start));
    }

    [Fact]
    public void Oversubscribed_shares_are_scaled_down_in_proportion()
    {
        // 100% + 50% wanted on one card: each gets 2/3 of what it asked.
        using var b = Backend("A100-80GB");
        var start = clock.GetUtcNow();
        b.Start(Batch("big", 1000, 1000));
        b.Start(Batch("small", 500, 500));
        Assert.Equal(1000.0 / 1500, b.GetTask("big")!.Rate, 9);
        Assert.Equal(1.0, b.GetCard(0).BusyFraction, 9);
        clock.Advance(TimeSpan.FromSeconds(5));

        // Both finish at 1.5 s (1000 / (2/3) and 500 / (1/3)).
        Assert.Equal(TimeSpan.FromMilliseconds(1500), ExitAfter("big", start));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), ExitAfter("small", start));
    }

    [Fact]
    public void A_slower_card_takes_longer_by_its_relative_speed()
    {
        using var b = Backend("T4-16GB");
        var start = clock.GetUtcNow();
        b.Start(Batch("t", 500, 1000));
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.FromMilliseconds(1000 / (0.5 * GpuModelCatalog.Get("T4-16GB").RelativeSpeed)), ExitAfter("t", start));
    }

    [Fact]
    public void A_multi_card_task_moves_at_the_pace_of_its_most_contended_card()
    {
        using var b = Backend("A100-80GB", "A100-80GB");
        var start = clock.GetUtcNow();
        b.Start(new TaskLaunch("pair", 1, ["dc1/n/0", "dc1/n/1"], 1000, 1024, WorkloadSpec.Training(1, 1000, 1024)));
        b.Start(Batch("noisy", 1000, 10_000, card: 1));
        Assert.Equal(0.5, b.GetTask("pair")!.Rate, 9);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), ExitAfter("pair", start));
    }

    [Fact]
    public void A_service_uses_what_its_request_rate_keeps_busy_and_never_ends()
    {
        using var b = Backend("A100-80GB");
        b.Start(new TaskLaunch("svc", 1, ["dc1/n/0"], 300, 1024, WorkloadSpec.Service(40, 5)));
        Assert.Equal(0.2, b.GetTask("svc")!.Rate, 9);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(exits);
        Assert.Equal(0.2 * 3_600_000, b.GetTask("svc")!.GpuMsDone, 3);
    }

    [Fact]
    public void Memory_is_held_in_pages_and_given_back_on_exit_and_stop()
    {
        using var b = Backend("A100-80GB");
        var card = b.GetCard(0);
        Assert.Equal(81_920 / 2, card.TotalPages);
        b.Start(Batch("odd", 500, 1000, memory: 1001));
        b.Start(new TaskLaunch("train", 1, ["dc1/n/0"], 500, 40_000, WorkloadSpec.Training(1, 1_000_000, 30_000)));
        Assert.Equal(501 + 15_000, b.GetCard(0).ResidentPages);

        Assert.Throws<BackendException>(() => b.Start(Batch("huge", 10, 1, memory: 2 * (card.TotalPages - 15_501) + 2)));
        Assert.Equal(501 + 15_000, b.GetCard(0).ResidentPages);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(15_000, b.GetCard(0).ResidentPages);
        Assert.True(b.Stop("train", 1));
        Assert.Equal(0, b.GetCard(0).ResidentPages);
    }

    [Fact]
    public void Stopping_a_neighbour_gives_its_share_back()
    {
        using var b = Backend("A100-80GB");
        var start = clock.GetUtcNow();
        b.Start(Batch("a", 1000, 1000));
        b.Start(Batch("b", 1000, 100_000));
        clock.Advance(TimeSpan.FromMilliseconds(1000));   // a at 500 GPU-ms
        b.Stop("b", 1);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), ExitAfter("a", start));
    }

    [Fact]
    public async Task Measured_usage_is_the_compute_its_tasks_take_and_the_pages_on_the_card()
    {
        using var b = new SimulatedGpuBackend("dc1/n", [GpuModelCatalog.Get("A100-80GB"), GpuModelCatalog.Get("T4-16GB")], clock, hostSwapMiB: 65_536);
        b.Start(Batch("half", 500, 1_000_000, memory: 10_240));
        b.Start(Batch("fifth", 200, 1_000_000, card: 1, memory: 1_000));
        Assert.Equal([("dc1/n/0", 50.0, 10_240L), ("dc1/n/1", 20.0, 1_000L)], b.MeasureUsage().Select(u => (u.GpuId, u.BusyPercent, u.MemoryUsedMiB)));

        // Paused, it takes no compute and keeps its memory; moved to host, its memory leaves the card.
        Assert.True(b.Pause("half", 1, "preempt"));
        Assert.Equal((0.0, 10_240L), b.MeasureUsage().Select(u => (u.BusyPercent, u.MemoryUsedMiB)).First());
        var moving = b.SwapOut("half", 1);
        clock.Advance(TimeSpan.FromSeconds(5));
        await moving;
        Assert.Equal((0.0, 0L), b.MeasureUsage().Select(u => (u.BusyPercent, u.MemoryUsedMiB)).First());
    }
}
