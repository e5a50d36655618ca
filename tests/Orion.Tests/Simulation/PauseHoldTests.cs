using Microsoft.Extensions.Time.Testing;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Simulation;

public sealed class PauseHoldTests
{
    private readonly FakeTimeProvider clock = new();

    [Fact]
    public void A_paused_task_keeps_its_memory_makes_no_progress_and_continues_where_it_was()
    {
        using var b = new SimulatedGpuBackend("dc1/n", [GpuModelCatalog.Get("A100-80GB")], clock);
        var exits = new List<TaskExit>();
        b.Exited += exits.Add;
        var start = clock.GetUtcNow();
        b.Start(new TaskLaunch("t", 3, ["dc1/n/0"], 1000, 2048, WorkloadSpec.Batch(1, 1000)));
        clock.Advance(TimeSpan.FromMilliseconds(300));

        Assert.True(b.Pause("t", 3, "dc1/n/0"));
        Assert.True(b.IsPaused("t"));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(300, b.GetTask("t")!.GpuMsDone, 6);
        Assert.Equal(1024, b.GetCard(0).ResidentPages);
        Assert.Equal(0, b.GetCard(0).BusyFraction);

        Assert.True(b.Resume("t", 3, "dc1/n/0"));
        clock.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(TimeSpan.FromMilliseconds(11_000), Assert.Single(exits).At - start);
    }

    [Fact]
    public void Holds_are_named_idempotent_and_generation_checked()
    {
        using var b = new SimulatedGpuBackend("dc1/n", [GpuModelCatalog.Get("A100-80GB")], clock);
        b.Start(new TaskLaunch("t", 2, ["dc1/n/0"], 500, 1024, WorkloadSpec.Batch(1, 1000)));

        Assert.False(b.Pause("t", 1, "card"));
        Assert.False(b.IsPaused("t"));

        b.Pause("t", 2, "card");
        b.Pause("t", 2, "card");
        b.Pause("t", 2, "window");
        b.Resume("t", 2, "card");
        Assert.True(b.IsPaused("t"));
        b.Resume("t", 2, "window");
        Assert.False(b.IsPaused("t"));
        Assert.False(b.Resume("ghost", 1, "card"));
    }

    [Fact]
    public void A_paused_task_gives_its_share_to_the_others_on_the_card()
    {
        using var b = new SimulatedGpuBackend("dc1/n", [GpuModelCatalog.Get("A100-80GB")], clock);
        b.Start(new TaskLaunch("a", 1, ["dc1/n/0"], 1000, 1024, WorkloadSpec.Batch(1, 10_000)));
        b.Start(new TaskLaunch("b", 1, ["dc1/n/0"], 1000, 1024, WorkloadSpec.Batch(1, 10_000)));
        Assert.Equal(0.5, b.GetTask("a")!.Rate, 9);
        b.Pause("b", 1, "x");
        Assert.Equal(1.0, b.GetTask("a")!.Rate, 9);
        Assert.Equal(0, b.GetTask("b")!.Rate, 9);
    }
}
