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

    /// <summary>A workload that runs until it is stopped.</summary>
    protected abstract WorkloadSpec LongWork();

    /// <summary>A workload of a kind this backend does not run.</summary>
    protected abstract WorkloadSpec ForeignWork();

    /// <summary>A workload that runs until it is stopped and whose log soon has <c>Says</c> in it.</summary>
    protected abstract (WorkloadSpec Work, string Says) Talkative();

    /// <summary>Whether this backend can measure its cards here (the NVIDIA one needs NVML and cards it knows).</summary>
    protected virtual bool Measures => true;

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
        b.Start(Launch(b, "t1", 1, LongWork()));
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
        b.Start(Launch(b, "t1", 2, LongWork()));
        b.Start(Launch(b, "t1", 2, LongWork()));
        b.Start(Launch(b, "t1", 1, LongWork()));
        Assert.Equal(2, b.Running["t1"]);
        b.Start(Launch(b, "t1", 3, LongWork()));
        Assert.Equal(3, b.Running["t1"]);
        Assert.Single(b.Running);
    }

    [Fact]
    public void Unknown_cards_and_too_much_memory_are_refused_and_change_nothing()
    {
        using var b = CreateBackend();
        Assert.Contains("dc1/contract/99", Assert.Throws<BackendException>(() => b.Start(new TaskLaunch("x", 1, ["dc1/contract/99"], 1000, 1, LongWork()))).Message);
        Assert.Contains(b.Devices[0].GpuId, Assert.Throws<BackendException>(() => b.Start(Launch(b, "y", 1, LongWork(), b.Devices[0].MemoryMiB + 2))).Message);
        Assert.Empty(b.Running);

        // What is held counts: a second task that would overfill the card is refused, and fits once the first is gone.
        b.Start(Launch(b, "a", 1, LongWork(), b.Devices[0].MemoryMiB / 2));
        Assert.Throws<BackendException>(() => b.Start(Launch(b, "c", 1, LongWork(), (b.Devices[0].MemoryMiB / 2) + 2)));
        Assert.True(b.Stop("a", 1));
        b.Start(Launch(b, "c", 1, LongWork(), (b.Devices[0].MemoryMiB / 2) + 2));
        Assert.Equal(["c"], b.Running.Keys);
    }

    [Fact]
    public void A_replacement_counts_the_room_of_the_generation_it_replaces_and_a_refused_one_leaves_it_running()
    {
        using var b = CreateBackend();
        var card = b.Devices[0].MemoryMiB;
        b.Start(Launch(b, "t1", 1, LongWork(), card / 2));
        b.Start(Launch(b, "other", 1, LongWork(), card / 4));

        // Generation 2 fits only with generation 1's room, which it takes over.
        b.Start(Launch(b, "t1", 2, LongWork(), (card / 2) + (card / 8)));
        Assert.Equal(2, b.Running["t1"]);

        // Generation 3 does not fit even so: refused, and generation 2 keeps running with its room.
        Assert.Throws<BackendException>(() => b.Start(Launch(b, "t1", 3, LongWork(), card)));
        Assert.Equal(2, b.Running["t1"]);
        Assert.Throws<BackendException>(() => b.Start(Launch(b, "third", 1, LongWork(), card / 4)));
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

    [Fact]
    public void Pause_holds_are_named_and_the_task_runs_again_when_the_last_goes()
    {
        using var b = CreateBackend();
        b.Start(Launch(b, "t1", 2, LongWork()));
        Assert.False(b.Pause("t1", 1, "preempt"));
        Assert.False(b.Pause("nobody", 9, "preempt"));
        Assert.False(b.IsPaused("t1"));
        Assert.True(b.Pause("t1", 2, "preempt"));
        Assert.True(b.Pause("t1", 2, "window"));
        Assert.True(b.IsPaused("t1"));
        Assert.True(b.Resume("t1", 2, "preempt"));
        Assert.True(b.IsPaused("t1"));
        Assert.True(b.Resume("t1", 2, "window"));
        Assert.False(b.IsPaused("t1"));
        Assert.Equal(2, b.Running["t1"]);
    }

    [Fact]
    public async Task A_task_started_on_host_comes_to_its_card_when_swapped_in()
    {
        using var b = CreateBackend();
        b.Start(Launch(b, "t1", 1, LongWork(), memoryMiB: 1024) with { StartOnHost = true });
        Assert.Equal(1, b.Running["t1"]);

        var stale = await b.SwapIn("t1", 0);
        Assert.False(stale.Applied);
        var moving = b.SwapIn("t1", 1);
        await PassAsync(TimeSpan.FromSeconds(1));
        var moved = await moving;
        Assert.True(moved.Applied);
        Assert.Equal((1024L, 0L), (moved.ResidentMiB, moved.HostMiB));

        // On its card now: the card's room is taken.
        Assert.Throws<BackendException>(() => b.Start(Launch(b, "t2", 1, LongWork(), b.Devices[0].MemoryMiB - 1000)));
    }

    [Fact]
    public void Usage_is_one_reading_per_card_or_a_clear_refusal()
    {
        using var b = CreateBackend();
        b.Start(Launch(b, "t1", 1, LongWork(), memoryMiB: 2048));
        if (!Measures)
        {
            Assert.Contains("NVML", Assert.Throws<BackendException>(() => b.MeasureUsage()).Message);
            return;
        }

        var usage = b.MeasureUsage();
        Assert.Equal(b.Devices.Select(d => d.GpuId), usage.Select(u => u.GpuId));
        Assert.All(usage, u => Assert.InRange(u.BusyPercent, 0, 100));
        Assert.All(usage, u => Assert.InRange(u.MemoryUsedMiB, 0, b.Devices.Single(d => d.GpuId == u.GpuId).MemoryMiB));
    }

    [Fact]
    public void Health_names_no_card_of_a_working_node_or_is_a_clear_refusal()
    {
        using var b = CreateBackend();
        b.Start(Launch(b, "t1", 1, LongWork(), memoryMiB: 2048));
        if (!Measures)
        {
            Assert.Contains("NVML", Assert.Throws<BackendException>(() => b.CheckHealth()).Message);
            return;
        }

        // A broken card here would be named with its reason; the cards under test work.
        Assert.All(b.CheckHealth(), f => Assert.Fail($"{f.GpuId} reported broken: {f.Reason}"));
        Assert.Empty(b.CheckHealth());
    }

    [Fact]
    public async Task Task_activity_is_a_reading_per_running_task_or_a_clear_refusal()
    {
        using var b = CreateBackend();
        b.Start(Launch(b, "t1", 1, LongWork(), memoryMiB: 2048));
        b.Start(Launch(b, "t2", 1, LongWork(), memoryMiB: 2048));
        if (!Measures)
        {
            Assert.Contains("NVML", Assert.Throws<BackendException>(() => b.MeasureTaskActivity()).Message);
            return;
        }

        await PassAsync(TimeSpan.FromMilliseconds(200));
        var activity = b.MeasureTaskActivity();
        Assert.Equal(["t1", "t2"], activity.Keys.Order());
        Assert.All(activity.Values, a => Assert.InRange(a, 0, 100));

        // A stopped task is no longer read.
        b.Stop("t2", 1);
        Assert.Equal(["t1"], b.MeasureTaskActivity().Keys);
    }

    [Fact]
    public void A_workload_of_a_kind_the_backend_does_not_run_is_refused_with_the_reason()
    {
        using var b = CreateBackend();
        var ex = Assert.Throws<BackendException>(() => b.Start(Launch(b, "t1", 1, ForeignWork())));
        Assert.Contains($"{ForeignWork().Kind}".ToLowerInvariant(), ex.Message.ToLowerInvariant());
        Assert.Empty(b.Running);
    }

    [Fact]
    public async Task A_tasks_log_is_read_from_its_start_or_its_end_and_kept_after_it_stops()
    {
        using var b = CreateBackend();
        var (work, says) = Talkative();
        Assert.Null(b.ReadLog("t1", 1, 0, 1024));
        b.Start(Launch(b, "t1", 1, work));
        TaskLogChunk? log = null;
        for (var i = 0; i < 100 && log?.Text.Contains(says, StringComparison.Ordinal) != true; i++)
        {
            await PassAsync(TimeSpan.FromMilliseconds(100));
            log = b.ReadLog("t1", 1, 0, 1 << 16);
        }

        Assert.Contains(says, log!.Text);
        Assert.Equal((0L, log.Size, log.Size), (log.Offset, log.Next, (long)System.Text.Encoding.UTF8.GetByteCount(log.Text)));

        // From its end, a piece of its start, nothing past its end; another generation's log is not this one.
        var end = b.ReadLog("t1", 1, -5, 1024)!;
        Assert.Equal((log.Size - 5, log.Text[^5..]), (end.Offset, end.Text));
        Assert.Equal((log.Text[..3], 3L), (b.ReadLog("t1", 1, 0, 3)!.Text, b.ReadLog("t1", 1, 0, 3)!.Next));
        Assert.Equal("", b.ReadLog("t1", 1, log.Size, 1024)!.Text);
        Assert.Null(b.ReadLog("t1", 2, 0, 1024));
        Assert.Null(b.ReadLog("t2", 1, 0, 1024));

        Assert.True(b.Stop("t1", 1));
        Assert.StartsWith(log.Text, b.ReadLog("t1", 1, 0, 1 << 16)!.Text, StringComparison.Ordinal);
    }
}
