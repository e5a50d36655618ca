using Microsoft.Extensions.Time.Testing;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Simulation;

/// <summary>A simulated card that breaks: what dies with it, what it refuses, and its repair.</summary>
public sealed class CardFaultTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly List<string> heard = [];

    private SimulatedGpuBackend Backend(int cards = 2)
    {
        var b = new SimulatedGpuBackend("dc1/n", [.. Enumerable.Repeat(GpuModelCatalog.Get("A100-80GB"), cards)], clock, hostSwapMiB: 64 * 1024);
        b.Exited += e => heard.Add($"exit {e.TaskId} {e.Succeeded} {e.Reason}");
        b.HealthChanged += () => heard.Add("health");
        return b;
    }

    private static TaskLaunch On(string id, params int[] cards) =>
        new(id, 1, [.. cards.Select(c => $"dc1/n/{c}")], 500, 4096, WorkloadSpec.Batch(1, 3_600_000));

    [Fact]
    public void A_broken_card_fails_every_task_on_it_first_and_then_says_it_broke_while_the_other_card_runs_on()
    {
        using var b = Backend(3);
        b.Start(On("alone", 1));
        b.Start(On("spanning", 0, 1));
        b.Start(On("elsewhere", 2));
        clock.Advance(TimeSpan.FromSeconds(10));

        b.Fail(1, "Xid 79: fell off the bus");

        Assert.Equal(3, heard.Count);
        Assert.Equal(
            ["exit alone False card dc1/n/1 failed: Xid 79: fell off the bus", "exit spanning False card dc1/n/1 failed: Xid 79: fell off the bus"],
            heard.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal("health", heard[2]);
        Assert.Equal(["elsewhere"], b.Running.Keys);

        // Its memory went with its tasks, on both cards the spanning one held.
        Assert.Equal(0, b.GetCard(0).ResidentPages);
        Assert.Equal(0, b.GetCard(1).ResidentPages);
        Assert.Equal([new CardFault("dc1/n/1", "Xid 79: fell off the bus")], b.CheckHealth());

        // The card still on the node keeps computing: an hour of work on half a card is two hours.
        Assert.InRange(b.GetTask("elsewhere")!.GpuMsDone, 4_999, 5_001);
    }

    [Fact]
    public void A_broken_card_refuses_a_task_naming_why_and_takes_one_again_once_repaired()
    {
        using var b = Backend();
        b.Fail(0, "uncorrectable ECC errors");
        b.Fail(0, "a second reason");

        var refused = Assert.Throws<BackendException>(() => b.Start(On("t", 0)));
        Assert.Equal("card dc1/n/0 is faulted: uncorrectable ECC errors", refused.Message);
        Assert.Throws<BackendException>(() => b.Start(On("t", 1, 0)));
        Assert.Empty(b.Running);
        Assert.Equal(["health"], heard);

        Assert.Equal("reason", Assert.Throws<ArgumentException>(() => b.Fail(1, new string('x', CardFault.MaxReasonLength + 1))).ParamName);
        Assert.Single(b.CheckHealth());

        Assert.True(b.Repair(0));
        Assert.False(b.Repair(0));
        Assert.Empty(b.CheckHealth());
        b.Start(On("t", 0));
        Assert.Equal(["t"], b.Running.Keys);
        Assert.Equal(["health", "health"], heard);
    }
}
