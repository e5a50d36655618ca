using Orion.Contracts;
using Orion.NodeDaemon;

namespace Orion.Tests.Simulation;

/// <summary>
/// What every GPU backend must do, whatever the hardware. The simulated backend runs it here; the NVIDIA
/// backend derives from it where a GPU is present.
/// </summary>
public abstract class GpuBackendContract
{
    /// <summary>A backend for node <c>dc1/contract</c> with at least one card.</summary>
    protected abstract IGpuBackend CreateBackend();

    /// <summary>Lets <paramref name="duration"/> of the backend's time pass.</summary>
    protected abstract Task PassAsync(TimeSpan duration);

    /// <summary>A finite workload that takes about <paramref name="duration"/> on a whole card of this backend.</summary>
    protected abstract WorkloadSpec ShortWork(TimeSpan duration);

    private static TaskLaunch Launch(IGpuBackend b, string id, long generation, WorkloadSpec work, long memoryMiB = 1024) =>
        new(id, generation, [b.Devices[0].GpuId], 1000, memoryMiB, work);

    [Fact]
    public void Devices_have_ids_on_this_node_and_real_capacities()
    {
        using var b = CreateBackend();
        Assert.NotEmpty(b.Devices);
        Assert.All(b.Devices, d =>
        {
            Assert.StartsWith("dc1/contract/", d.GpuId);
            Assert.True(d.MemoryMiB > 0);
            Assert.True(d.RelativeSpeed > 0);
            Assert.False(string.IsNullOrEmpty(d.Model));
        });
        Assert.Equal(b.Devices.Count, b.Devices.Select(d => d.GpuId).Distinct().Count());
    }

    [Fact]
    public void Start_runs_and_stop_stops_once()
    {
        using var b = CreateBackend();
        b.Start(Launch(b, "t1", 1, WorkloadSpec.Service(1, 1)));
        Assert.Equal(1, b.Running["t1"]);
        Assert.False(b.Stop("t1", 0));
        Assert.True(b.Stop("t1", 1));
        Assert.False(b.Stop("t1", 1));
        Assert.False(b.Running.ContainsKey("t1"));
    }

    [Fact]
    public void Repeated_or_older_launches_change_nothing_and_newer_ones_replace()
    {
        using var b = CreateBackend();
        b.Start(Launch(b, "t1", 2, WorkloadSpec.Service(1, 1)));
        b.Start(Launch(b, "t1", 2, WorkloadSpec.Service(1, 1)));
        b.Start(Launch(b, "t1", 1, WorkloadSpec.Service(1, 1)));
        Assert.Equal(2, b.Running["t1"]);
        b.Start(Launch(b, "t1", 3, WorkloadSpec.Service(1, 1)));
        Assert.Equal(3, b.Running["t1"]);
        Assert.Single(b.Running);
    }

    [Fact]
    public void Unknown_cards_and_too_much_memory_are_refused_and_change_nothing()
    {
        using var b = CreateBackend();
        Assert.Throws<BackendException>(() => b.Start(new TaskLaunch("x", 1, ["dc1/contract/99"], 1000, 1, WorkloadSpec.Service(1, 1))));
        Assert.Throws<BackendException>(() => b.Start(Launch(b, "y", 1, WorkloadSpec.Service(1, 1), b.Devices[0].MemoryMiB + 2)));
        Assert.Empty(b.Running);
    }

    [Fact]
    public async Task A_finite_task_exits_by_itself_and_reports_once()
    {
        using var b = CreateBackend();
        var exits = new List<TaskExit>();
        b.Exited += e => { lock (exits) { exits.Add(e); } };
        b.Start(Launch(b, "t1", 1, ShortWork(TimeSpan.FromMilliseconds(200))));
        await PassAsync(TimeSpan.FromSeconds(2));
        var exit = Assert.Single(exits);
        Assert.Equal(("t1", 1L, true), (exit.TaskId, exit.Generation, exit.Succeeded));
        Assert.Empty(b.Running);
    }

    [Fact]
    public async Task A_stopped_task_does_not_report_an_exit()
    {
        using var b = CreateBackend();
        var exits = 0;
        b.Exited += _ => Interlocked.Increment(ref exits);
        b.Start(Launch(b, "t1", 1, ShortWork(TimeSpan.FromMilliseconds(500))));
        Assert.True(b.Stop("t1", 1));
        await PassAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(0, exits);
    }
}
