using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>
/// Real NVIDIA cards: discovered through NVML; each task a process group (<see cref="WorkloadKind.Process"/>) that sees
/// only its cards (<c>CUDA_VISIBLE_DEVICES</c>) and, where MPS runs, its compute share and memory cap; a pause stops the
/// group (SIGSTOP) and a resume continues it; memory moves whole processes to host RAM and back through the CUDA driver's
/// checkpoint API. Slices are enforced only as far as MPS enforces them; without MPS, tasks on one card time-share it.
/// </summary>
public sealed class NvidiaGpuBackend : IGpuBackend
{
    private readonly object gate = new();
    private readonly Dictionary<string, GpuDevice> cardsById;
    private readonly Dictionary<string, TaskProcess> tasks = new(StringComparer.Ordinal);

    // Tasks stopped and still in their grace period: Dispose waits for them too, or one that ignores SIGTERM outlives the daemon.
    private readonly HashSet<Task> ending = [];
    private readonly TaskLauncher launcher = new();
    private readonly TimeProvider time;
    private readonly long hostSwapMiB;
    private bool disposed;

    /// <summary>A backend for the given cards (from <see cref="NvidiaDevices.Discover"/> on a GPU machine).</summary>
    public NvidiaGpuBackend(IReadOnlyList<GpuDevice> devices, long hostSwapMiB = 0, TimeProvider? time = null)
    {
        Devices = devices;
        cardsById = devices.ToDictionary(d => d.GpuId, StringComparer.Ordinal);
        this.hostSwapMiB = hostSwapMiB;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>A backend for this machine's cards as NVML sees them, tasks' output in <paramref name="taskLogDirectory"/> when given.</summary>
    /// <exception cref="BackendException">NVML is missing or finds no card.</exception>
    public static NvidiaGpuBackend Open(string nodeId, long hostSwapMiB = 0, string? taskLogDirectory = null) =>
        new(NvidiaDevices.Discover(nodeId), hostSwapMiB) { TaskLogDirectory = taskLogDirectory };

    public string Name => GpuBackends.Nvidia;

    /// <summary>Where the MPS control daemon keeps its pipes (CUDA_MPS_PIPE_DIRECTORY, else MPS's default); tasks get it too.</summary>
    public string MpsPipeDirectory { get; init; } = Environment.GetEnvironmentVariable("CUDA_MPS_PIPE_DIRECTORY") is { Length: > 0 } dir ? dir : "/tmp/nvidia-mps";

    /// <summary><c>mps</c> while an MPS control daemon answers at <see cref="MpsPipeDirectory"/>, else <c>none</c>; looked at each time.</summary>
    public string SliceEnforcement => File.Exists(Path.Combine(MpsPipeDirectory, "control")) ? GpuBackends.EnforcedByMps : GpuBackends.NotEnforced;

    public IReadOnlyList<GpuDevice> Devices { get; }

    public event Action<TaskExit>? Exited;

    // Health is read by NVML at each heartbeat; a broken card's processes fail by themselves, and their exits come first.
    public event Action? HealthChanged
    {
        add { }
        remove { }
    }

    /// <summary>
    /// A folder for each task's output and errors (<c>TASK.GENERATION.log</c>, appended); null: tasks write to the daemon's
    /// own output. A task that fails names the last line of its log in its exit reason.
    /// </summary>
    public string? TaskLogDirectory { get; init; }

    /// <summary>
    /// Whether a task's leading process is killed when the daemon dies (setpriv, from util-linux, is installed). Its
    /// own children that outlive it are ended by the next daemon of the node (<see cref="LeftoverTaskProcesses"/>).
    /// </summary>
    public bool TasksEndWithDaemon => launcher.TasksEndWithDaemon;

    /// <summary>How long a stopped task gets between SIGTERM and SIGKILL, unless its launch says (<see cref="TaskLaunch.StopGrace"/>).</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads each process's recent compute on the cards with the given UUIDs (pid → percent): NVML's samples by default.</summary>
    internal Func<IEnumerable<string>, IReadOnlyDictionary<int, double>> ProcessActivity { get; init; } = GpuProcessActivity.On;

    /// <summary>How long a checkpoint waits for a process's CUDA work to drain before giving up.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyDictionary<string, long> Running
    {
        get
        {
            lock (gate)
            {
                return tasks.ToImmutableDictionary(t => t.Key, t => t.Value.Launch.Generation);
            }
        }
    }

    /// <summary>The process group leading a running task, or null (for operators and tests).</summary>
    public int? ProcessGroupOf(string taskId)
    {
        lock (gate)
        {
            return tasks.TryGetValue(taskId, out var t) ? t.Group : null;
        }
    }

    public void Start(TaskLaunch launch)
    {
        TaskProcess? replaced = null;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (tasks.TryGetValue(launch.TaskId, out var existing) && existing.Launch.Generation >= launch.Generation)
            {
                return;
            }

            if (launch.Workload.Kind != WorkloadKind.Process || string.IsNullOrWhiteSpace(launch.Workload.CommandLine))
            {
                throw new BackendException($"task {launch.TaskId}: the NVIDIA backend runs process workloads (a command line), not '{launch.Workload.Kind}'");
            }

            var cards = new GpuDevice[launch.GpuIds.Length];
            for (var i = 0; i < cards.Length; i++)
            {
                cards[i] = cardsById.GetValueOrDefault(launch.GpuIds[i]) ?? throw new BackendException($"card {launch.GpuIds[i]} is not on this node");
            }

            // The one being replaced gives its room back first.
            if (existing is not null)
            {
                Forget(existing);
                replaced = existing;
            }

            if (launch.StartOnHost)
            {
                var free = hostSwapMiB - HostInUse();
                if (launch.GpuMemoryMiB * cards.Length > free)
                {
                    Restore(replaced);
                    throw new BackendException($"host swap budget has {free} MiB free, {launch.GpuMemoryMiB * cards.Length} MiB wanted");
                }
            }
            else
            {
                foreach (var card in cards)
                {
                    var free = card.MemoryMiB - ReservedOn(card.GpuId);
                    if (launch.GpuMemoryMiB > free)
                    {
                        Restore(replaced);
                        throw new BackendException($"card {card.GpuId} has {free} MiB free, {launch.GpuMemoryMiB} MiB wanted");
                    }
                }
            }

            try
            {
                tasks[launch.TaskId] = TaskProcess.Start(launcher, launch, cards, MpsPipeDirectory, LogPathOf(launch), OnExited);
            }
            catch (BackendException)
            {
                Restore(replaced);
                throw;
            }
        }

        if (replaced is not null)
        {
            End(replaced);
        }
    }

    public bool Stop(string taskId, long generation)
    {
        TaskProcess? task;
        lock (gate)
        {
            if (!tasks.TryGetValue(taskId, out task) || task.Launch.Generation > generation)
            {
                return false;
            }

            Forget(task);
        }

        End(task);
        return true;
    }

    public bool Pause(string taskId, long generation, string hold) => ChangeHold(taskId, generation, hold, add: true);

    public bool Resume(string taskId, long generation, string hold) => ChangeHold(taskId, generation, hold, add: false);

    public bool IsPaused(string taskId)
    {
        lock (gate)
        {
            return tasks.TryGetValue(taskId, out var t) && t.Holds.Count > 0;
        }
    }

    /// <summary>Each process of the task's group with its state from /proc; null when no such task runs.</summary>
    public IReadOnlyDictionary<int, ProcessState>? ProcessStates(string taskId)
    {
        TaskProcess? task;
        lock (gate)
        {
            task = tasks.GetValueOrDefault(taskId);
        }

        return task?.MemberStates();
    }

    /// <summary>Sends a signal to a process group: 0 when it took, else the error number. Tests stand in for the kernel here.</summary>
    internal Func<int, int, int> SignalGroup { get; init; } = ProcessSignals.ToGroupOrError;

    /// <summary>
    /// Checkpoints the task's CUDA processes to host RAM: all of their device memory, whatever <paramref name="residentMiB"/>
    /// asks (the driver moves whole processes, so none stays resident). Sizes are the task's reservation, not measured.
    /// </summary>
    public Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB = 0) => Move(taskId, generation, toHost: true);

    /// <summary>Restores the task's CUDA processes from host RAM: all of their memory comes back.</summary>
    public Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB = long.MaxValue) => Move(taskId, generation, toHost: false);

    /// <summary>NVML's utilisation and memory in use per card (anyone's, not only Orion's tasks').</summary>
    public IReadOnlyList<CardUsage> MeasureUsage()
    {
        using var session = NvmlSession.Open("to measure the cards");
        var usage = new List<CardUsage>(Devices.Count);
        foreach (var card in Devices)
        {
            // A lost card is not measured (its health says why), so the others still are.
            var found = Nvml.DeviceGetHandleByUuid(card.Uuid, out var device);
            Nvml.Utilization busy = default;
            var read = found == Nvml.Success ? Nvml.DeviceGetUtilizationRates(device, out busy) : found;
            if (read == Nvml.GpuIsLost)
            {
                continue;
            }

            Nvml.Check(found, $"find card {card.Uuid}");
            Nvml.Check(read, $"read card {card.GpuId}'s utilisation");
            Nvml.Check(Nvml.DeviceGetMemoryInfo(device, out var memory), $"read card {card.GpuId}'s memory");
            usage.Add(new CardUsage(card.GpuId, busy.Gpu, (long)(memory.Used / (1024 * 1024))));
        }

        return usage;
    }

    /// <summary>What NVML says of each card's health (<see cref="NvmlCardHealth"/>): the broken ones.</summary>
    public IReadOnlyList<CardFault> CheckHealth()
    {
        using var session = NvmlSession.Open("to check the cards' health");
        var faults = new List<CardFault>();
        foreach (var card in Devices)
        {
            var found = Nvml.DeviceGetHandleByUuid(card.Uuid, out var device);
            var health = new NvmlCardHealth(found, found == Nvml.Success ? "" : Nvml.Describe(found));
            if (found == Nvml.Success)
            {
                var ecc = Nvml.DeviceGetTotalEccErrors(device, Nvml.MemoryErrorUncorrected, Nvml.VolatileEcc, out var errors);
                var remap = Nvml.DeviceGetRemappedRows(device, out _, out _, out var pending, out var failed);
                health = health with { Ecc = ecc, UncorrectableErrors = errors, Remap = remap, RemapPending = pending != 0, RemapFailed = failed != 0 };
            }

            if (health.Fault is { } fault)
            {
                faults.Add(new CardFault(card.GpuId, fault));
            }
        }

        return faults;
    }

    /// <summary>
    /// Each running task's recent compute on its cards: the busiest of its processes in NVML's per-process samples
    /// (percent of a sample period). Tasks whose processes computed nothing read 0.
    /// </summary>
    public IReadOnlyDictionary<string, double> MeasureTaskActivity()
    {
        List<TaskProcess> running;
        lock (gate)
        {
            running = [.. tasks.Values.Where(t => !t.OnHost)];
        }

        var activity = new Dictionary<string, double>(StringComparer.Ordinal);
        if (running.Count == 0)
        {
            return activity;
        }

        var byProcess = ProcessActivity(running.SelectMany(t => t.Launch.GpuIds).Distinct().Select(id => cardsById[id].Uuid));
        foreach (var t in running)
        {
            activity[t.Launch.TaskId] = t.Members().Select(pid => byProcess.GetValueOrDefault(pid)).DefaultIfEmpty(0).Max();
        }

        return activity;
    }

    public void Dispose()
    {
        List<TaskProcess> left;
        lock (gate)
        {
            disposed = true;
            left = [.. tasks.Values];
            foreach (var t in left)
            {
                Forget(t);
            }
        }

        foreach (var t in left)
        {
            End(t);
        }

        Task[] all;
        lock (gate)
        {
            all = [.. ending];
        }

        Task.WaitAll(all);

        // Last: the end of its thread kills any task leader still running.
        launcher.Dispose();
    }

    /// <summary>Ends a task's processes in the background (SIGTERM, then SIGKILL after the grace), kept until done.</summary>
    private void End(TaskProcess task)
    {
        var end = task.EndAsync(task.Launch.StopGrace ?? StopGrace);
        lock (gate)
        {
            ending.Add(end);
        }

        _ = end.ContinueWith(
            done =>
            {
                lock (gate)
                {
                    ending.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task<SwapResult> Move(string taskId, long generation, bool toHost)
    {
        TaskProcess? task;
        lock (gate)
        {
            if (!tasks.TryGetValue(taskId, out task) || task.Launch.Generation > generation)
            {
                return new SwapResult(taskId, generation, false, 0, TimeSpan.Zero, 0, 0);
            }

            if (task.OnHost == toHost)
            {
                return Ack(task, 0, TimeSpan.Zero);
            }

            if (task.Moving)
            {
                throw new BackendException($"task {taskId} is already moving its memory");
            }

            var perCard = task.Launch.GpuMemoryMiB;
            var cards = task.Launch.GpuIds.Length;
            if (toHost && perCard * cards > hostSwapMiB - HostInUse())
            {
                throw new BackendException($"host swap budget has {hostSwapMiB - HostInUse()} MiB free, {perCard * cards} MiB wanted");
            }

            if (!toHost)
            {
                foreach (var id in task.Launch.GpuIds)
                {
                    var free = cardsById[id].MemoryMiB - ReservedOn(id);
                    if (perCard > free)
                    {
                        throw new BackendException($"card {id} has {free} MiB free, {perCard} MiB wanted back");
                    }
                }
            }

            // Seen on driver 580: cuCheckpointProcessLock answers "operation not supported" for an MPS client.
            if (SliceEnforcement == GpuBackends.EnforcedByMps)
            {
                throw new BackendException($"task {taskId}: memory cannot move to host under MPS (the CUDA driver does not checkpoint MPS clients)");
            }

            // The books move first (and back if the driver refuses); both ends stay held while it is moving.
            task.Moving = true;
            task.OnHost = toHost;
        }

        var started = time.GetTimestamp();
        long bytes;
        try
        {
            bytes = await Task.Run(() => toHost ? CheckpointToHost(task) : RestoreFromHost(task));
        }
        catch
        {
            lock (gate)
            {
                task.OnHost = !toHost;
            }

            throw;
        }
        finally
        {
            lock (gate)
            {
                task.Moving = false;
                if (!task.Stopping)
                {
                    // Stopped while it is paused or its memory is on host, running otherwise.
                    ProcessSignals.ToGroup(task.Group, Held(task) ? ProcessSignals.Stop : ProcessSignals.Continue);
                }
            }
        }

        lock (gate)
        {
            return Ack(task, bytes, time.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// Locks and checkpoints every process of the task's group that holds memory on its cards (NVML says which). The
    /// group is continued for it: the driver does the work inside each process.
    /// </summary>
    private long CheckpointToHost(TaskProcess task)
    {
        CudaDriver.EnsureStarted();
        var members = task.Members().ToHashSet();
        var onCards = GpuProcesses.On(task.Launch.GpuIds.Select(id => cardsById[id].Uuid)).Where(p => members.Contains(p.Key)).ToList();
        ProcessSignals.ToGroup(task.Group, ProcessSignals.Continue);
        var done = new List<int>();
        try
        {
            foreach (var (pid, _) in onCards)
            {
                // Counted before it is touched: a lock that took is undone on failure too.
                done.Add(pid);
                if (CudaDriver.StateOf(pid) == CudaCheckpoint.ProcessState.Running)
                {
                    CudaDriver.Check(CudaCheckpoint.Lock(pid, new CudaCheckpoint.LockArgs { TimeoutMs = (uint)LockTimeout.TotalMilliseconds }), $"lock process {pid}");
                }

                if (CudaDriver.StateOf(pid) == CudaCheckpoint.ProcessState.Locked)
                {
                    CudaDriver.Check(CudaCheckpoint.Checkpoint(pid, IntPtr.Zero), $"checkpoint process {pid}");
                }
            }
        }
        catch (BackendException)
        {
            // All or nothing: the books say the task is still on its cards, so what did move comes back.
            task.Checkpointed = (done, 0);
            try
            {
                RestoreFromHost(task);
            }
            catch (BackendException)
            {
                // The first failure is the one to report; the daemon's next command (or a stop) deals with the rest.
            }

            throw;
        }

        var bytes = onCards.Sum(p => p.Value);
        task.Checkpointed = (done, bytes);
        return bytes;
    }

    /// <summary>Restores and unlocks the processes the move to host checkpointed.</summary>
    private static long RestoreFromHost(TaskProcess task)
    {
        var (pids, bytes) = task.Checkpointed;
        if (pids.Count > 0)
        {
            CudaDriver.EnsureStarted();
        }

        ProcessSignals.ToGroup(task.Group, ProcessSignals.Continue);
        foreach (var pid in pids)
        {
            // A process that ended meanwhile has nothing to bring back.
            if (!Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            if (CudaDriver.StateOf(pid) == CudaCheckpoint.ProcessState.Checkpointed)
            {
                CudaDriver.Check(CudaCheckpoint.Restore(pid, IntPtr.Zero), $"restore process {pid}");
            }

            if (CudaDriver.StateOf(pid) == CudaCheckpoint.ProcessState.Locked)
            {
                CudaDriver.Check(CudaCheckpoint.Unlock(pid, IntPtr.Zero), $"unlock process {pid}");
            }
        }

        task.Checkpointed = ([], 0);
        return bytes;
    }

    /// <summary>Whether the task must not run now: a pause hold, or its memory on host.</summary>
    private static bool Held(TaskProcess task) => task.Holds.Count > 0 || task.OnHost;

    private bool ChangeHold(string taskId, long generation, string hold, bool add)
    {
        lock (gate)
        {
            if (!tasks.TryGetValue(taskId, out var task) || task.Launch.Generation > generation)
            {
                return false;
            }

            var before = Held(task);
            var changed = add ? task.Holds.Add(hold) : task.Holds.Remove(hold);
            if (!task.Moving && before != Held(task))
            {
                var error = SignalGroup(task.Group, Held(task) ? ProcessSignals.Stop : ProcessSignals.Continue);
                if (error != 0)
                {
                    // The group did not get it: the books keep what the processes do, and the caller hears it failed (and
                    // may send it again) instead of taking a running task for paused, or a stopped one for running.
                    if (changed)
                    {
                        _ = add ? task.Holds.Remove(hold) : task.Holds.Add(hold);
                    }

                    throw new BackendException(
                        $"task {taskId}: {(add ? "pause" : "resume")} ({hold}) failed: {(add ? "SIGSTOP" : "SIGCONT")} to process group {task.Group}: {ProcessSignals.ErrorName(error)}");
                }
            }

            return true;
        }
    }

    private void OnExited(TaskProcess task)
    {
        TaskExit exit;
        lock (gate)
        {
            if (task.Stopping || !tasks.TryGetValue(task.Launch.TaskId, out var current) || current != task)
            {
                return;
            }

            Forget(task);
            var code = task.Process.ExitCode;
            var reason = code == 0 ? "exited" : task.LastLogLine() is { } last ? $"exited with code {code}: {last}" : $"exited with code {code}";
            exit = new TaskExit(task.Launch.TaskId, task.Launch.Generation, code == 0, reason, 0, time.GetUtcNow());
        }

        // Children it left behind in its group go with it.
        ProcessSignals.ToGroup(task.Group, ProcessSignals.Kill);
        task.Process.Dispose();
        Exited?.Invoke(exit);
    }

    /// <summary>The task's log file in <see cref="TaskLogDirectory"/> (made if missing), its id kept to safe characters.</summary>
    private string? LogPathOf(TaskLaunch launch)
    {
        if (TaskLogDirectory is null)
        {
            return null;
        }

        try
        {
            Directory.CreateDirectory(TaskLogDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackendException($"task {launch.TaskId}: the task log folder {TaskLogDirectory} cannot be made: {ex.Message}");
        }

        return LogPath(TaskLogDirectory, launch.TaskId, launch.Generation);
    }

    private static string LogPath(string directory, string taskId, long generation) =>
        Path.Combine(directory, $"{string.Concat(taskId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'))}.{generation}.log");

    /// <summary>The task's output and errors, from its file in <see cref="TaskLogDirectory"/>; null without that folder or file.</summary>
    public TaskLogChunk? ReadLog(string taskId, long generation, long offset, int maxBytes) =>
        TaskLogDirectory is null ? null : TaskLogReader.ReadFile(LogPath(TaskLogDirectory, taskId, generation), offset, maxBytes);

    /// <summary>Takes a task out of the books (its room freed); its end is then not an exit to report.</summary>
    private void Forget(TaskProcess task)
    {
        task.Stopping = true;
        tasks.Remove(task.Launch.TaskId);
    }

    /// <summary>Puts back a task taken out for a replacement that was refused.</summary>
    private void Restore(TaskProcess? task)
    {
        if (task is not null)
        {
            task.Stopping = false;
            tasks[task.Launch.TaskId] = task;
        }
    }

    // A task whose memory is moving holds room at both ends until the move is done.
    private long ReservedOn(string gpuId) =>
        tasks.Values.Where(t => (!t.OnHost || t.Moving) && t.Launch.GpuIds.Contains(gpuId)).Sum(t => t.Launch.GpuMemoryMiB);

    private long HostInUse() => tasks.Values.Where(t => t.OnHost || t.Moving).Sum(t => t.Launch.GpuMemoryMiB * t.Launch.GpuIds.Length);

    private static SwapResult Ack(TaskProcess task, long bytes, TimeSpan took) =>
        new(task.Launch.TaskId, task.Launch.Generation, true, bytes, took, task.OnHost ? 0 : task.Launch.GpuMemoryMiB, task.OnHost ? task.Launch.GpuMemoryMiB : 0);
}
