using System.Diagnostics;
using System.Runtime.InteropServices;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;

namespace Orion.Tests.Nvidia;

/// <summary>What the NVIDIA backend does to a task's processes, checked on real process groups through /proc.</summary>
public sealed class NvidiaGpuBackendTests : IDisposable
{
    private static readonly GpuDevice[] Cards = NvidiaBackendContractTests.Cards;
    private readonly string dir = Directory.CreateTempSubdirectory("orion-nvidia-").FullName;
    private readonly NvidiaGpuBackend backend = new(Cards, hostSwapMiB: 64 * 1024) { StopGrace = TimeSpan.FromSeconds(2), MpsPipeDirectory = NvidiaBackendContractTests.NoMps() };

    public void Dispose()
    {
        backend.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private static TaskLaunch Launch(string id, string command, int computeMilli = 1000, long memoryMiB = 1024, params string[] cards) =>
        new(id, 1, cards.Length == 0 ? [Cards[0].GpuId] : [.. cards], computeMilli, memoryMiB, WorkloadSpec.Process(command));

    [Fact]
    public async Task A_task_sees_only_its_cards_and_its_slice()
    {
        var exits = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Exited += e => exits.TrySetResult(e);
        var file = Path.Combine(dir, "env");
        backend.Start(Launch("t1", $"env > '{file}'", computeMilli: 250, memoryMiB: 2048, Cards[0].GpuId, Cards[1].GpuId));

        var exit = await exits.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(exit.Succeeded, exit.Reason);
        var env = File.ReadAllLines(file).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal($"{Cards[0].Uuid},{Cards[1].Uuid}", env["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal("25", env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"]);
        Assert.Equal("0=2048M,1=2048M", env["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"]);
        Assert.Equal(("t1", "1"), (env["ORION_TASK_ID"], env["ORION_TASK_GENERATION"]));
        Assert.Equal(backend.MpsPipeDirectory, env["CUDA_MPS_PIPE_DIRECTORY"]);
    }

    [Fact]
    public void Slices_are_enforced_only_while_an_MPS_control_daemon_answers()
    {
        var pipes = Path.Combine(dir, "mps");
        Directory.CreateDirectory(pipes);
        using var b = new NvidiaGpuBackend(Cards) { MpsPipeDirectory = pipes };
        Assert.Equal("none", b.SliceEnforcement);

        // The control daemon's pipe (a FIFO in real life; its presence is what is looked at).
        File.WriteAllText(Path.Combine(pipes, "control"), "");
        Assert.Equal("mps", b.SliceEnforcement);
    }

    [Fact]
    public async Task Under_MPS_memory_does_not_move_and_the_task_stays_on_its_card_unpaused()
    {
        var pipes = Path.Combine(dir, "mps");
        Directory.CreateDirectory(pipes);
        File.WriteAllText(Path.Combine(pipes, "control"), "");
        using var b = new NvidiaGpuBackend(Cards, hostSwapMiB: 65_536) { MpsPipeDirectory = pipes, StopGrace = TimeSpan.FromSeconds(1) };
        b.Start(Launch("t1", "sleep 600", memoryMiB: 2048));
        var group = b.ProcessGroupOf("t1")!.Value;

        var refused = await Assert.ThrowsAsync<BackendException>(() => b.SwapOut("t1", 1));
        Assert.Contains("MPS", refused.Message);
        Assert.False(b.IsPaused("t1"));
        Assert.NotEqual('T', ProcStat.State(group));

        // Its room stays on the card: a second task that would need it is refused.
        Assert.Throws<BackendException>(() => b.Start(Launch("t2", "sleep 600", memoryMiB: Cards[0].MemoryMiB - 1024)));
        b.Stop("t1", 1);
    }

    [Fact]
    public async Task A_whole_card_is_not_capped_by_MPS()
    {
        var exits = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Exited += e => exits.TrySetResult(e);
        var file = Path.Combine(dir, "env");
        backend.Start(Launch("t1", $"env > '{file}'"));
        await exits.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(File.ReadAllLines(file), l => l.StartsWith("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_task_runs_with_its_own_environment_in_its_working_directory_beside_the_daemons_variables()
    {
        var exits = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Exited += e => exits.TrySetResult(e);
        var file = Path.Combine(dir, "env");
        var work = Directory.CreateDirectory(Path.Combine(dir, "work")).FullName;
        var launch = Launch("t1", $"env > '{file}'; echo \"PWD=$(pwd)\" >> '{file}'");
        backend.Start(launch with
        {
            Workload = launch.Workload with { Environment = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("HF_HOME", "/data/hf a"), WorkingDirectory = work },
        });

        var exit = await exits.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(exit.Succeeded, exit.Reason);
        var env = File.ReadAllLines(file).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        Assert.Equal(("/data/hf a", work, Cards[0].Uuid), (env["HF_HOME"], env["PWD"], env["CUDA_VISIBLE_DEVICES"]));

        // A working directory the node does not have is a start refused, naming it.
        var missing = Launch("t2", "true");
        var refused = Assert.Throws<BackendException>(() => backend.Start(missing with { Workload = missing.Workload with { WorkingDirectory = "/no/such/dir" } }));
        Assert.Equal("task t2: its working directory /no/such/dir does not exist on this node", refused.Message);
        Assert.False(backend.Running.ContainsKey("t2"));
    }

    [Fact]
    public async Task A_failing_command_reports_its_exit_code()
    {
        var exits = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Exited += e => exits.TrySetResult(e);
        backend.Start(Launch("t1", "exit 3"));
        var exit = await exits.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(exit.Succeeded);
        Assert.Equal(("t1", 1L, "exited with code 3"), (exit.TaskId, exit.Generation, exit.Reason));
        Assert.Empty(backend.Running);
    }

    [Fact]
    public async Task With_a_log_folder_a_task_writes_there_and_a_failure_names_its_last_line()
    {
        var logs = Path.Combine(dir, "logs");
        using var b = new NvidiaGpuBackend(Cards, hostSwapMiB: 4096) { TaskLogDirectory = logs };
        var exits = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Exited += e => exits.TrySetResult(e);
        b.Start(Launch("job/1", "echo loading; echo 'CUDA error: out of memory' >&2; exit 1"));

        var exit = await exits.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((false, "exited with code 1: CUDA error: out of memory"), (exit.Succeeded, exit.Reason));
        Assert.Equal(["loading", "CUDA error: out of memory"], File.ReadAllLines(Path.Combine(logs, "job_1.1.log")));

        // Started on host, it logs too, once it is swapped in and runs.
        var late = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Exited += e => _ = e.TaskId == "late" && late.TrySetResult(e);
        b.Start(Launch("late", "echo ran") with { StartOnHost = true });
        await Task.Delay(300);
        Assert.False(late.Task.IsCompleted);
        await b.SwapIn("late", 1);
        Assert.True((await late.Task.WaitAsync(TimeSpan.FromSeconds(10))).Succeeded);
        Assert.Equal(["ran"], File.ReadAllLines(Path.Combine(logs, "late.1.log")));
    }

    [Fact]
    public async Task Stop_ends_everything_the_task_started()
    {
        backend.Start(Launch("t1", "sleep 600 & sleep 600 & wait"));
        var group = backend.ProcessGroupOf("t1")!.Value;
        await Until(() => Members(group).Count == 3, "the shell and its two children");

        Assert.True(backend.Stop("t1", 1));
        await Until(() => Members(group).Count == 0, "no process left in the task's group");
    }

    [Fact]
    public async Task A_launchs_own_stop_grace_replaces_the_nodes_longer_or_shorter()
    {
        // Both ignore SIGTERM: each lives exactly its own grace (the node's is 2 s).
        backend.Start(Launch("long", "trap '' TERM; sleep 600 & wait") with { StopGrace = TimeSpan.FromSeconds(4) });
        backend.Start(Launch("none", "trap '' TERM; sleep 600 & wait", cards: Cards[1].GpuId) with { StopGrace = TimeSpan.Zero });
        var (longGroup, noneGroup) = (backend.ProcessGroupOf("long")!.Value, backend.ProcessGroupOf("none")!.Value);
        await Until(() => Members(longGroup).Count == 2 && Members(noneGroup).Count == 2, "both shells and their children");

        var stopped = Stopwatch.StartNew();
        Assert.True(backend.Stop("long", 1));
        Assert.True(backend.Stop("none", 1));
        await Until(() => Members(noneGroup).Count == 0, "no grace: killed at once");
        Assert.True(stopped.Elapsed < backend.StopGrace, $"a run with no grace ended {stopped.Elapsed} after the request");
        while (Members(longGroup).Count == 2)
        {
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(20), "the group outlived its grace period");
            await Task.Delay(20);
        }

        Assert.True(stopped.Elapsed >= TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(50), $"a run with 4 s of grace ended {stopped.Elapsed} after the request");
    }

    [Fact]
    public async Task Stop_kills_what_ignores_the_request_once_the_grace_period_is_over()
    {
        // The shell and its children ignore SIGTERM (an ignored signal stays ignored across exec).
        backend.Start(Launch("t1", "trap '' TERM; sleep 600 & wait"));
        var group = backend.ProcessGroupOf("t1")!.Value;
        await Until(() => Members(group).Count == 2, "the shell and its child");

        // Both live until the grace period is over. Seen late when the test's thread is late, never early: the kill
        // comes at least a grace period after the request.
        var stopped = Stopwatch.StartNew();
        Assert.True(backend.Stop("t1", 1));
        while (Members(group).Count == 2)
        {
            Assert.True(stopped.Elapsed < backend.StopGrace * 5, "the group outlived its grace period");
            await Task.Delay(20);
        }

        // .NET's timers count whole milliseconds of a coarse tick and fire up to a few early by a stopwatch (seen: 1.998 s of 2).
        Assert.True(stopped.Elapsed >= backend.StopGrace - TimeSpan.FromMilliseconds(50), $"a process that ignored SIGTERM ended {stopped.Elapsed} after the request, within the grace period");
        await Until(() => Members(group).Count == 0, "no process left after the grace period");
    }

    [Fact]
    public async Task Disposing_the_backend_ends_a_stopped_task_still_in_its_grace_period()
    {
        backend.Start(Launch("t1", "trap '' TERM; sleep 600 & wait"));
        var group = backend.ProcessGroupOf("t1")!.Value;
        await Until(() => Members(group).Count == 2, "the shell and its child");

        // Stopped (it ignores SIGTERM), then the daemon shuts down at once: nothing of it may outlive the backend.
        Assert.True(backend.Stop("t1", 1));
        backend.Dispose();

        // Killed before Dispose returned; dying takes the kernel a moment, far less than the rest of the grace period.
        var deadline = DateTime.UtcNow + backend.StopGrace / 2;
        while (Members(group).Any(p => State(p) != 'Z'))
        {
            Assert.True(DateTime.UtcNow < deadline, "a process of the stopped task outlived the backend");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Pause_stops_the_whole_group_and_resume_continues_it()
    {
        backend.Start(Launch("t1", "sleep 600 & wait"));
        var group = backend.ProcessGroupOf("t1")!.Value;
        await Until(() => Members(group).Count == 2, "the shell and its child");

        Assert.True(backend.Pause("t1", 1, "preempt"));
        await Until(() => Members(group).All(p => State(p) == 'T'), "every process stopped");
        Assert.True(backend.Pause("t1", 1, "window"));
        Assert.True(backend.Resume("t1", 1, "preempt"));
        await Task.Delay(200);
        Assert.All(Members(group), p => Assert.Equal('T', State(p)));

        Assert.True(backend.Resume("t1", 1, "window"));
        await Until(() => Members(group).All(p => State(p) != 'T'), "every process running again");
    }

    [Fact]
    public async Task A_pause_or_resume_whose_signal_the_group_refuses_fails_and_keeps_the_books_as_the_processes_are()
    {
        // The kernel refuses the signal (EPERM, or ESRCH: the group is gone before its exit was seen).
        var refuse = 0;
        using var b = new NvidiaGpuBackend(Cards, hostSwapMiB: 64 * 1024)
        {
            StopGrace = TimeSpan.FromSeconds(2),
            MpsPipeDirectory = NvidiaBackendContractTests.NoMps(),
            SignalGroup = (group, signal) => refuse != 0 ? refuse : ProcessSignals.ToGroupOrError(group, signal),
        };
        b.Start(Launch("t1", "sleep 600"));
        var group = b.ProcessGroupOf("t1")!.Value;
        await Until(() => Members(group).Count == 2, "the shell and its command");

        refuse = 1;
        var pause = Assert.Throws<BackendException>(() => b.Pause("t1", 1, "preempt"));
        Assert.Contains("pause", pause.Message);
        Assert.Contains("EPERM", pause.Message);
        Assert.False(b.IsPaused("t1"));
        Assert.All(Members(group), p => Assert.NotEqual('T', State(p)));

        // Sent again once the kernel takes it, the pause holds.
        refuse = 0;
        Assert.True(b.Pause("t1", 1, "preempt"));
        await Until(() => Members(group).All(p => State(p) == 'T'), "the group stopped");

        refuse = 3;
        var resume = Assert.Throws<BackendException>(() => b.Resume("t1", 1, "preempt"));
        Assert.Contains("ESRCH", resume.Message);
        Assert.True(b.IsPaused("t1"));

        refuse = 0;
        Assert.True(b.Resume("t1", 1, "preempt"));
        Assert.False(b.IsPaused("t1"));
        await Until(() => Members(group).All(p => State(p) != 'T'), "the group running again");
        b.Stop("t1", 1);
    }

    [Fact]
    public async Task A_task_started_on_host_does_not_run_its_command_until_swapped_in()
    {
        var file = Path.Combine(dir, "ran");
        backend.Start(Launch("t1", $"touch '{file}'; sleep 600") with { StartOnHost = true });
        var group = backend.ProcessGroupOf("t1")!.Value;
        await Until(() => Members(group).Count == 1 && State(group) == 'T', "the shell stopped before its command");
        await Task.Delay(300);
        Assert.False(File.Exists(file));

        var moved = await backend.SwapIn("t1", 1);
        Assert.True(moved.Applied);
        Assert.Equal((1024L, 0L), (moved.ResidentMiB, moved.HostMiB));
        await Until(() => File.Exists(file), "the command ran");
    }

    [Fact]
    public void Synthetic_workloads_are_refused_with_the_reason()
    {
        var ex = Assert.Throws<BackendException>(() => backend.Start(new TaskLaunch("t1", 1, [Cards[0].GpuId], 1000, 1024, WorkloadSpec.Batch(1, 10))));
        Assert.Contains("process workloads", ex.Message);
        Assert.Empty(backend.Running);
    }

    [WithoutLibraryFact(CudaDriverLibrary)]
    public async Task Moving_memory_to_host_needs_the_CUDA_driver_and_keeps_the_task_on_its_card_without_it()
    {
        backend.Start(Launch("t1", "sleep 600", memoryMiB: 40_000));
        var ex = await Assert.ThrowsAsync<BackendException>(() => backend.SwapOut("t1", 1));
        Assert.Contains(CudaDriverLibrary, ex.Message);

        // Its memory still counts on the card: another 40,000 MiB does not fit beside it (81,920 MiB card).
        Assert.Throws<BackendException>(() => backend.Start(Launch("t2", "sleep 600", memoryMiB: 42_000)));
        Assert.False(backend.IsPaused("t1"));
        Assert.Equal(1, backend.Running["t1"]);
    }

    [Fact]
    [Trait("Category", "gpu")]
    public async Task With_the_CUDA_driver_a_task_that_never_used_CUDA_has_nothing_to_move()
    {
        backend.Start(Launch("t1", "sleep 600", memoryMiB: 40_000));
        var moved = await backend.SwapOut("t1", 1);
        Assert.Equal((true, 0L, 0L, 40_000L), (moved.Applied, moved.BytesMoved, moved.ResidentMiB, moved.HostMiB));
    }

    [Fact]
    [Trait("Category", "gpu")]
    public void Discovery_reads_this_machines_cards()
    {
        var devices = NvidiaDevices.Discover("dc1/n0");
        Assert.NotEmpty(devices);
        Assert.All(devices, d => Assert.True(d.MemoryMiB > 0 && d.RelativeSpeed > 0 && d.HostLinkGBps > 0 && d.Uuid.StartsWith("GPU-", StringComparison.Ordinal), d.ToString()));
    }

    [WithoutLibraryFact("libnvidia-ml.so.1")]
    public void Discovery_without_the_driver_names_the_missing_library()
    {
        var ex = Assert.Throws<BackendException>(() => NvidiaDevices.Discover("dc1/n0"));
        Assert.Contains("libnvidia-ml.so.1", ex.Message);
        Assert.Contains("NVIDIA driver", ex.Message);
    }

    [Theory]
    [InlineData("NVIDIA H200", "H200")]
    [InlineData("NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB")]
    [InlineData("Tesla T4", "T4")]
    [InlineData("NVIDIA RTX A6000", "RTX-A6000")]
    public void Model_names_drop_the_vendor_and_keep_one_word(string nvml, string model) => Assert.Equal(model, NvidiaDevices.ModelName(nvml));

    [Fact]
    public void Link_and_speed_come_from_the_board()
    {
        Assert.Equal(63.0, NvidiaDevices.PcieGBps(5, 16));
        Assert.Equal(31.5, NvidiaDevices.PcieGBps(4, 16));
        Assert.Equal(0, NvidiaDevices.PcieGBps(9, 16));
        Assert.Equal(1.0, NvidiaDevices.RelativeSpeed(6912, 1410));
        Assert.Equal(3.43, NvidiaDevices.RelativeSpeed(16896, 1980));
        Assert.Equal(0, NvidiaDevices.RelativeSpeed(0, 1410));
    }

    [Fact]
    public void Native_structs_have_the_C_headers_layouts()
    {
        // nvml.h: nvmlMemory_t is three unsigned long longs; nvmlProcessInfo_t (v2/v3) an unsigned int pid, an unsigned
        // long long at offset 8 and two unsigned ints; nvmlProcessUtilizationSample_t an unsigned int pid, an unsigned long
        // long time stamp at offset 8 and four unsigned ints. cuda.h: CUcheckpointLockArgs is two unsigned ints and seven
        // cuuint64_t, 64 bytes.
        Assert.Equal(24, Marshal.SizeOf<Nvml.Memory>());
        Assert.Equal(24, Marshal.SizeOf<Nvml.ProcessInfo>());
        Assert.Equal(8, (int)Marshal.OffsetOf<Nvml.ProcessInfo>(nameof(Nvml.ProcessInfo.UsedGpuMemory)));
        Assert.Equal(16, (int)Marshal.OffsetOf<Nvml.ProcessInfo>(nameof(Nvml.ProcessInfo.GpuInstanceId)));
        Assert.Equal(32, Marshal.SizeOf<Nvml.ProcessUtilizationSample>());
        Assert.Equal(8, (int)Marshal.OffsetOf<Nvml.ProcessUtilizationSample>(nameof(Nvml.ProcessUtilizationSample.TimeStamp)));
        Assert.Equal(16, (int)Marshal.OffsetOf<Nvml.ProcessUtilizationSample>(nameof(Nvml.ProcessUtilizationSample.SmUtil)));
        Assert.Equal(28, (int)Marshal.OffsetOf<Nvml.ProcessUtilizationSample>(nameof(Nvml.ProcessUtilizationSample.DecUtil)));
        Assert.Equal(64, Marshal.SizeOf<CudaCheckpoint.LockArgs>());
        Assert.Equal(0, (int)Marshal.OffsetOf<CudaCheckpoint.LockArgs>(nameof(CudaCheckpoint.LockArgs.TimeoutMs)));
    }

    private const string CudaDriverLibrary = "libcuda.so.1";

    /// <summary>The pids whose process group is <paramref name="group"/>.</summary>
    internal static List<int> Members(int group)
    {
        var members = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(d), out var pid) && Stat(pid) is { } stat && int.Parse(stat[2]) == group)
            {
                members.Add(pid);
            }
        }

        return members;
    }

    private static char State(int pid) => ProcStat.State(pid);

    private static string[]? Stat(int pid) => ProcStat.Fields(pid);

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
