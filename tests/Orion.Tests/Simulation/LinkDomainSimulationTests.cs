using Microsoft.Extensions.Time.Testing;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;

namespace Orion.Tests.Simulation;

/// <summary>Simulated link groups: cards report theirs, and a task across groups runs at the cross-group pace.</summary>
public sealed class LinkDomainSimulationTests
{
    private readonly FakeTimeProvider clock = new();

    [Fact]
    public void A_task_within_a_group_runs_at_full_pace_and_one_across_groups_at_the_cross_group_pace()
    {
        using var b = new SimulatedGpuBackend("dc1/n", [.. Enumerable.Repeat(GpuModelCatalog.Get("A100-80GB"), 6)], clock, linkDomainSize: 2);
        Assert.Equal([0, 0, 1, 1, 2, 2], b.Devices.Select(d => d.LinkDomain));
        var exits = new Dictionary<string, DateTimeOffset>();
        b.Exited += e => exits[e.TaskId] = e.At;
        var start = clock.GetUtcNow();

        // A second of work on each of two whole cards: in one group, and across two.
        b.Start(new TaskLaunch("within", 1, ["dc1/n/0", "dc1/n/1"], 1000, 1024, WorkloadSpec.Batch(1, 1000)));
        b.Start(new TaskLaunch("across", 1, ["dc1/n/2", "dc1/n/4"], 1000, 1024, WorkloadSpec.Batch(1, 1000)));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), exits["within"] - start);
        Assert.False(exits.ContainsKey("across"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1000 / b.CrossDomainPace, (exits["across"] - start).TotalMilliseconds, 3);

        // Without groups every card is alike.
        using var flat = new SimulatedGpuBackend("dc1/f", [.. Enumerable.Repeat(GpuModelCatalog.Get("A100-80GB"), 3)], clock);
        Assert.All(flat.Devices, d => Assert.Equal(0, d.LinkDomain));
    }
}
