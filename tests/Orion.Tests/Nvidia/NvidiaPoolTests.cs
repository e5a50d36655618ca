using Microsoft.Extensions.Logging.Abstractions;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Nvidia;
using Orion.Silo;
using Orion.Tests.Cluster;

namespace Orion.Tests.Nvidia;

/// <summary>
/// The grains driving a daemon on the NVIDIA backend (cards declared, no NVML here): a placed process task starts as a
/// real process on its card, and its own end or a cancel ends the task.
/// </summary>
public sealed class NvidiaPoolTests
{
    private static TaskSpec Process(string command, double computePercent = 50) =>
        new("proc", "team-a", new TaskPriority(PriorityClass.Offline), ResourceRequest.Slice(computePercent, 4096, 1000, 1024),
            PlacementConstraints.None, WorkloadSpec.Process(command));

    private static Task<(TestPool Pool, GpuNodeDaemon Daemon, NvidiaGpuBackend Backend)> StartAsync(params EmbeddedNodeOptions[] simulated) =>
        StartAsync(NvidiaBackendContractTests.Cards, null, simulated);

    private static async Task<(TestPool Pool, GpuNodeDaemon Daemon, NvidiaGpuBackend Backend)> StartAsync(
        GpuDevice[] cards, Func<IEnumerable<string>, IReadOnlyDictionary<int, double>>? processActivity, params EmbeddedNodeOptions[] simulated) =>
        await StartAsync(cards, processActivity, null, null, simulated);

    private static async Task<(TestPool Pool, GpuNodeDaemon Daemon, NvidiaGpuBackend Backend)> StartAsync(
        GpuDevice[] cards, Func<IEnumerable<string>, IReadOnlyDictionary<int, double>>? processActivity, GrainCallCounter? calls, GrainCallFaults? faults,
        params EmbeddedNodeOptions[] simulated)
    {
        // Compute oversubscribed, as in the embedded default: an online and an offline slice may share a card past 100%.
        var pool = await TestPool.StartAsync(simulated, oversubscription: 2.0, calls: calls, faults: faults);
        var options = new NodeDaemonOptions
        {
            NodeName = "contract", DataCenter = "dc1", CpuMilli = 16_000, MemoryMiB = 65_536, HostSwapMiB = 65_536, AdvertiseAddress = "10.1.2.3",
            DemandReadInterval = TimeSpan.FromMilliseconds(100), DemandHoldTime = TimeSpan.FromSeconds(1), ReportAttemptTimeout = TimeSpan.FromSeconds(1),
        };
        var backend = new NvidiaGpuBackend(cards, options.HostSwapMiB)
        {
            StopGrace = TimeSpan.FromSeconds(2),
            MpsPipeDirectory = Path.Combine(Path.GetTempPath(), $"orion-no-mps-{Guid.NewGuid():N}"),
            ProcessActivity = processActivity ?? GpuProcessActivity.On,
        };
        var daemon = new GpuNodeDaemon(options, backend, pool.Grains, NullLogger<GpuNodeDaemon>.Instance);
        await daemon.StartAsync(CancellationToken.None);
        await pool.EventuallyAsync(async () => Assert.Equal(simulated.Length + 1, (await pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot()).Nodes));
        return (pool, daemon, backend);
    }

    [Fact]
    public async Task A_process_tasks_probes_run_in_its_working_directory_ready_once_it_is_and_a_hung_one_is_stopped_as_failed()
    {
        var (pool, daemon, backend) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        var directory = Directory.CreateTempSubdirectory("orion-process-probe-");
        try
        {
            // The server makes its mark a moment after it starts; its heartbeat stops when told (a hang).
            var spec = Process("sleep 1; touch ready; while [ ! -f hang ]; do touch alive; sleep 0.2; done; sleep 600");
            spec = spec with
            {
                Workload = spec.Workload with { WorkingDirectory = directory.FullName },
                Readiness = HealthProbe.Exec("test -f ready") with { Period = TimeSpan.FromSeconds(1) },
                Liveness = HealthProbe.Exec("test -n \"$(find alive -newermt '2 seconds ago')\"") with { Period = TimeSpan.FromSeconds(1), FailureThreshold = 2, InitialDelay = TimeSpan.FromSeconds(3) },
            };
            var task = await pool.SubmitAsync(spec);
            await pool.EventuallyAsync(async () => Assert.True((await pool.Client.GetAsync(task.TaskId))!.Ready));

            // Its own clock is the system's here: the probes run in real time.
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "hang"), "");
            var failed = await pool.WaitForAsync(task.TaskId, TaskState.Failed);
            Assert.StartsWith("its liveness probe failed: 2 times in a row (last: `test -n", failed.ExitReason);
            Assert.Empty(backend.Running);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_gangs_processes_run_with_the_rendezvous_pytorch_reads_and_a_variable_the_task_sets_is_its_own()
    {
        var (pool, daemon, _) = await StartAsync();
        await using var __ = pool;
        await using var ___ = daemon;
        var directory = Directory.CreateTempSubdirectory("orion-gang-env-");
        try
        {
            var member = Process($"env > '{directory.FullName}'/\"$ORION_TASK_ID\".env", computePercent: 40) with { Gang = new GangSpec("ddp", 2) };
            var own = member with { Workload = member.Workload with { Environment = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("MASTER_PORT", "12345") } };
            await pool.Client.SubmitManyAsync([new(member, "ddp-0"), new(own, "ddp-1")]);
            await pool.WaitForAsync("ddp-0", TaskState.Completed);
            await pool.WaitForAsync("ddp-1", TaskState.Completed);

            Dictionary<string, string> Env(string id) => File.ReadAllLines(Path.Combine(directory.FullName, id + ".env"))
                .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            var (first, second) = (Env("ddp-0"), Env("ddp-1"));
            var port = GangRendezvous.PortOf("team-a", "ddp").ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(("10.1.2.3", port, "2", "0", "0", "ddp", "dc1/contract"),
                (first["MASTER_ADDR"], first["MASTER_PORT"], first["WORLD_SIZE"], first["RANK"], first["ORION_GANG_RANK"], first["ORION_GANG"], first["ORION_GANG_LEADER"]));
            Assert.Equal(("10.1.2.3", "12345", "2", "1", "1", "1"),
                (second["MASTER_ADDR"], second["MASTER_PORT"], second["WORLD_SIZE"], second["RANK"], second["NODE_RANK"], second["ORION_GANG_RANK"]));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_cancelled_process_task_has_its_own_stop_grace_before_the_kill()
    {
        var (pool, daemon, backend) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;

        // It ignores SIGTERM, as a server finishing its requests would hold on: killed only past its 4 s, not the node's 2 s.
        var task = await pool.SubmitAsync(Process("trap '' TERM; sleep 600 & wait") with { StopGrace = TimeSpan.FromSeconds(4) });
        await pool.WaitForAsync(task.TaskId, TaskState.Running);
        var group = backend.ProcessGroupOf(task.TaskId)!.Value;
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(2, NvidiaGpuBackendTests.Members(group).Count)));
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        await pool.Client.CancelAsync(task.TaskId);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, NvidiaGpuBackendTests.Members(group).Count);
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Empty(NvidiaGpuBackendTests.Members(group))));
        Assert.True(stopped.Elapsed >= TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(50), $"ended {stopped.Elapsed} after the cancel");
    }

    [Fact]
    public async Task A_process_task_runs_on_its_card_and_completes_when_its_process_exits()
    {
        var (pool, daemon, backend) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        var file = Path.Combine(Path.GetTempPath(), $"orion-{Guid.NewGuid():N}");
        var task = await pool.SubmitAsync(Process($"echo \"$CUDA_VISIBLE_DEVICES\" > '{file}'; sleep 1"));

        var running = await pool.WaitForAsync(task.TaskId, TaskState.Running, TaskState.Completed);
        var card = Assert.Single(running.Placement!.GpuIds);
        var done = await pool.WaitForAsync(task.TaskId, TaskState.Completed);
        Assert.Equal("exited", done.ExitReason);
        Assert.Equal(NvidiaBackendContractTests.Cards.Single(c => c.GpuId == card).Uuid, File.ReadAllText(file).Trim());
        File.Delete(file);
        Assert.Empty(backend.Running);

        // Its slice is free again.
        await pool.EventuallyAsync(async () => Assert.All((await pool.Client.GetNodeAsync("dc1/contract"))!.Gpus, g => Assert.Empty(g.Slices)));

        // Declared cards are not NVML's: the heartbeats carry no measured usage, rather than made-up figures.
        var node = (await pool.Client.GetNodeAsync("dc1/contract"))!;
        Assert.True(node.Usage.IsDefaultOrEmpty);
        Assert.Null(node.MeasuredAt);

        // No MPS control daemon here: the node says its slices are bookkeeping only.
        Assert.Equal(("nvidia", "none"), (node.Backend, node.SliceEnforcement));
        var summary = Assert.Single((await pool.Client.GetPoolAsync()).Nodes);
        Assert.Equal(("nvidia", "none"), (summary.Backend, summary.SliceEnforcement));
    }

    [Fact]
    public async Task A_failing_process_fails_its_task_and_a_cancel_ends_a_running_one()
    {
        var (pool, daemon, backend) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        var failing = await pool.SubmitAsync(Process("exit 4"));
        Assert.Equal("exited with code 4", (await pool.WaitForAsync(failing.TaskId, TaskState.Failed)).ExitReason);

        var forever = await pool.SubmitAsync(Process("sleep 600"));
        await pool.WaitForAsync(forever.TaskId, TaskState.Running);
        Assert.NotNull(backend.ProcessGroupOf(forever.TaskId));
        Assert.Equal(TaskState.Cancelled, (await pool.Client.CancelAsync(forever.TaskId, "done"))!.State);
        await pool.EventuallyAsync(() =>
        {
            Assert.Empty(backend.Running);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task In_a_pool_of_both_kinds_a_process_goes_to_NVIDIA_cards_and_a_synthetic_task_to_simulated_ones()
    {
        // The simulated node sorts first and is as empty as the NVIDIA one: only the kind tells them apart.
        var (pool, daemon, backend) = await StartAsync(TestPool.Node("a-sim", gpus: 2));
        await using var _ = pool;
        await using var __ = daemon;
        var process = await pool.SubmitAsync(Process("sleep 600"));
        var batch = await pool.SubmitAsync(Specs.Batch(computePercent: 50, items: 1_000_000));

        Assert.Equal("dc1/contract", (await pool.WaitForAsync(process.TaskId, TaskState.Running)).Placement!.NodeId);
        Assert.Equal("dc1/a-sim", (await pool.WaitForAsync(batch.TaskId, TaskState.Running)).Placement!.NodeId);
        Assert.Equal([process.TaskId], backend.Running.Keys);
        await pool.Client.CancelAsync(process.TaskId);
    }

    [Fact]
    public async Task An_online_process_that_computes_pauses_offline_work_on_its_card_until_it_goes_quiet()
    {
        // Declared cards have no NVML: here a process counts as computing while the kernel runs it (state R), which a
        // shell spinning on a flag file does and one sleeping between looks does not.
        var (pool, daemon, backend) = await StartAsync([NvidiaBackendContractTests.Cards[0]], _ => Running());
        await using var _ = pool;
        await using var __ = daemon;
        var flag = Path.Combine(Path.GetTempPath(), $"orion-busy-{Guid.NewGuid():N}");
        var (offline, online, group) = await StartOfflineAndOnlineAsync(pool, backend, flag);
        Assert.NotEqual('T', ProcStat.State(group));

        try
        {
            // Requests arrive: the online process computes, and the offline one is stopped for it.
            await File.WriteAllTextAsync(flag, "busy");
            await pool.WaitForAsync(offline, TaskState.Suspended);
            await pool.EventuallyAsync(async () =>
            {
                Assert.Equal('T', ProcStat.State(group));
                Assert.Equal(online, Assert.Single(Assert.Single((await pool.Client.GetNodeAsync("dc1/contract"))!.Gpus).Busy));
            });

            // Quiet again: after the hold time the offline process goes on.
            File.Delete(flag);
            await pool.WaitForAsync(offline, TaskState.Running);
            await UntilStoppedAsync(pool, group, stopped: false);
        }
        finally
        {
            await EndAsync(pool, flag, online, offline);
        }
    }

    [Fact]
    public async Task A_busy_reading_the_card_did_not_get_is_sent_again_until_it_does()
    {
        var (calls, faults) = (new GrainCallCounter(), new GrainCallFaults());
        var (pool, daemon, backend) = await StartAsync([NvidiaBackendContractTests.Cards[0]], _ => Running(), calls, faults);
        await using var _ = pool;
        await using var __ = daemon;
        var flag = Path.Combine(Path.GetTempPath(), $"orion-busy-{Guid.NewGuid():N}");
        var (offline, online, group) = await StartOfflineAndOnlineAsync(pool, backend, flag);
        try
        {
            // The cards cannot be told: the online process computes, every reading tries again, and the offline one runs on.
            var setDemand = $"{nameof(IGpuGrain)}.{nameof(IGpuGrain.SetDemand)}";
            faults.Fail(setDemand);
            await File.WriteAllTextAsync(flag, "busy");
            await pool.EventuallyAsync(() =>
            {
                Assert.True(calls[setDemand] >= 3, $"{calls[setDemand]} tries");
                return Task.CompletedTask;
            });
            Assert.NotEqual('T', ProcStat.State(group));
            Assert.Equal(TaskState.Running, (await pool.Client.GetAsync(offline))!.State);

            // Once they can, the next reading tells them, and the offline process is paused.
            faults.Heal(setDemand);
            await pool.WaitForAsync(offline, TaskState.Suspended);
            await UntilStoppedAsync(pool, group, stopped: true);
        }
        finally
        {
            await EndAsync(pool, flag, online, offline);
        }
    }

    [Fact]
    public async Task A_busy_reading_lost_on_its_way_to_the_card_is_sent_again_well_before_the_response_timeout()
    {
        var faults = new GrainCallFaults();
        var (pool, daemon, backend) = await StartAsync([NvidiaBackendContractTests.Cards[0]], _ => Running(), null, faults);
        await using var _ = pool;
        await using var __ = daemon;
        var flag = Path.Combine(Path.GetTempPath(), $"orion-busy-{Guid.NewGuid():N}");
        var (offline, online, group) = await StartOfflineAndOnlineAsync(pool, backend, flag);
        try
        {
            // The card's silo dies as the online process turns busy: the daemon's word is never answered (the client would
            // wait 30 s), and the offline process must not run on beside a busy service that long.
            var card = Assert.Single((await pool.Client.GetAsync(online))!.Placement!.GpuIds);
            faults.LoseNext("IGpuGrain.SetDemand", card);
            await File.WriteAllTextAsync(flag, "busy");
            await pool.WaitForAsync(offline, TaskState.Suspended);
            Assert.Equal(0, faults.StillToLose("IGpuGrain.SetDemand", card));
            await UntilStoppedAsync(pool, group, stopped: true);
        }
        finally
        {
            await EndAsync(pool, flag, online, offline);
        }
    }

    /// <summary>
    /// An offline process that sleeps and an online one that computes while <paramref name="flag"/> exists, both running
    /// on the node's one card; the offline one's process group.
    /// </summary>
    private static async Task<(string Offline, string Online, int OfflineGroup)> StartOfflineAndOnlineAsync(TestPool pool, NvidiaGpuBackend backend, string flag)
    {
        var offline = await pool.SubmitAsync(Process("sleep 600", computePercent: 60));
        var online = await pool.SubmitAsync(Process($"while :; do if [ -e '{flag}' ]; then :; else sleep 0.5; fi; done", computePercent: 60) with
        {
            Priority = new TaskPriority(PriorityClass.Online),
        });
        await pool.WaitForAsync(online.TaskId, TaskState.Running);
        await pool.WaitForAsync(offline.TaskId, TaskState.Running);
        return (offline.TaskId, online.TaskId, backend.ProcessGroupOf(offline.TaskId)!.Value);
    }

    private static Task UntilStoppedAsync(TestPool pool, int group, bool stopped) => pool.EventuallyAsync(() =>
    {
        Assert.Equal(stopped, ProcStat.State(group) == 'T');
        return Task.CompletedTask;
    });

    private static async Task EndAsync(TestPool pool, string flag, params string[] tasks)
    {
        File.Delete(flag);
        foreach (var t in tasks)
        {
            await pool.Client.CancelAsync(t);
        }
    }

    [Fact]
    public async Task An_online_process_is_never_placed_where_its_memory_could_be_moved_to_host()
    {
        var (pool, daemon, _) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        var online = await pool.SubmitAsync(Process("sleep 600") with { Priority = new TaskPriority(PriorityClass.Online) });
        var running = await pool.WaitForAsync(online.TaskId, TaskState.Running);
        var card = (await pool.Client.GetNodeAsync("dc1/contract"))!.Gpus.Single(g => g.Device.GpuId == running.Placement!.GpuIds[0]);
        Assert.False(Assert.Single(card.Slices).Swappable);
        await pool.Client.CancelAsync(online.TaskId);
    }

    [Fact]
    public async Task An_online_process_adopted_by_a_fresh_node_activation_keeps_a_slice_that_is_not_swappable()
    {
        var (pool, daemon, _) = await StartAsync();
        await using var _ = pool;
        await using var __ = daemon;
        var online = await pool.SubmitAsync(Process("sleep 600") with { Priority = new TaskPriority(PriorityClass.Online) });
        var running = await pool.WaitForAsync(online.TaskId, TaskState.Running);
        var gpuId = running.Placement!.GpuIds[0];

        // The node and its card lose their memory (their silo died): the node's next registration adopts the task and reserves its slice again.
        await pool.Grains.GetGrain<INodeGrain>("dc1/contract").Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await pool.Grains.GetGrain<IGpuGrain>(gpuId).Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await pool.EventuallyAsync(async () =>
        {
            var card = Assert.IsType<GpuSnapshot>(await pool.Grains.GetGrain<IGpuGrain>(gpuId).GetSnapshot());
            Assert.False(Assert.Single(card.Slices).Swappable);
        });
        Assert.Equal(TaskState.Running, await pool.StateOf(online.TaskId));
        await pool.Client.CancelAsync(online.TaskId);
    }

    [Fact]
    public async Task A_node_under_MPS_offers_no_memory_beyond_its_cards()
    {
        // Memory oversubscribed 2x: a card's memory may be booked past the device, the rest on host RAM, but the CUDA
        // driver does not checkpoint MPS clients, so a node whose slices MPS enforces offers only its cards' memory.
        var pool = await TestPool.StartAsync([], memoryOversubscription: 2.0);
        await using var _ = pool;
        var pipes = Path.Combine(Path.GetTempPath(), $"orion-mps-{Guid.NewGuid():N}");
        Directory.CreateDirectory(pipes);
        try
        {
            var options = new NodeDaemonOptions { NodeName = "contract", DataCenter = "dc1", HostSwapMiB = 65_536 };
            var backend = new NvidiaGpuBackend([NvidiaBackendContractTests.Cards[0]], options.HostSwapMiB) { MpsPipeDirectory = pipes };
            await using var daemon = new GpuNodeDaemon(options, backend, pool.Grains, NullLogger<GpuNodeDaemon>.Instance);
            await daemon.StartAsync(CancellationToken.None);
            var card = Assert.Single((await pool.Client.GetNodeAsync("dc1/contract"))!.Gpus);
            Assert.Equal(2 * card.Device.MemoryMiB, card.MemoryCapacityMiB);

            // The control daemon starts: the next heartbeat takes the host's share away.
            File.WriteAllText(Path.Combine(pipes, "control"), "");
            await pool.EventuallyAsync(async () =>
            {
                var node = (await pool.Client.GetNodeAsync("dc1/contract"))!;
                Assert.Equal("mps", node.SliceEnforcement);
                Assert.Equal(node.Gpus[0].Device.MemoryMiB, node.Gpus[0].MemoryCapacityMiB);
            });
        }
        finally
        {
            Directory.Delete(pipes, recursive: true);
        }
    }

    /// <summary>Every process the kernel is running now, as fully busy.</summary>
    private static Dictionary<int, double> Running()
    {
        var busy = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && ProcStat.State(pid) == 'R')
            {
                busy[pid] = 100;
            }
        }

        return busy;
    }
}
