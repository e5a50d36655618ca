using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Orion.Contracts;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>
/// One task's process on an NVIDIA node, run through <c>setsid</c> so that it leads its own process group: stop,
/// pause and resume reach everything it started, not only its shell. Its leader dies with the daemon (<see cref="TaskLauncher"/>).
/// </summary>
internal sealed class TaskProcess
{
    private TaskProcess(TaskLaunch launch, Process process, bool onHost, string? logPath)
    {
        Launch = launch;
        Process = process;
        OnHost = onHost;
        LogPath = logPath;
    }

    /// <summary>The file its output goes to; null when it shares the daemon's.</summary>
    public string? LogPath { get; }

    public TaskLaunch Launch { get; }

    public Process Process { get; }

    /// <summary>The process group's id: the leader's pid.</summary>
    public int Group => Process.Id;

    /// <summary>Named pause holds; the group is stopped (SIGSTOP) while any remains or while its memory is on host.</summary>
    public HashSet<string> Holds { get; } = new(StringComparer.Ordinal);

    /// <summary>Its reservation counts against host RAM, not its cards: started there, or checkpointed to host.</summary>
    public bool OnHost { get; set; }

    /// <summary>A memory move is under way: hold changes leave the signals to it.</summary>
    public bool Moving { get; set; }

    /// <summary>The processes a move to host checkpointed, to restore on the way back, and the device memory they held.</summary>
    public (IReadOnlyList<int> Pids, long Bytes) Checkpointed { get; set; } = ([], 0);

    /// <summary>Told to stop: its end is not an exit to report.</summary>
    public bool Stopping { get; set; }

    /// <summary>
    /// Starts the launch's command under <c>/bin/sh</c> with its cards and slice in the environment: CUDA sees only the
    /// task's cards, and where an MPS control daemon runs, MPS caps its threads and pins its device memory. A task that
    /// starts on host stops itself before its command runs and goes on once it is swapped in. With a log path, its output
    /// and errors go to that file (appended).
    /// </summary>
    public static TaskProcess Start(TaskLauncher launcher, TaskLaunch launch, IReadOnlyList<GpuDevice> cards, string mpsPipeDirectory, string? logPath, Action<TaskProcess> exited)
    {
        var info = launcher.StartInfo("setsid");
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");

        // A wrapper shell prepares, then becomes the command ("$0"): output to the log, stopped until swapped in.
        var prepare = new List<string>();
        if (logPath is not null)
        {
            prepare.Add("exec >>\"$ORION_TASK_LOG\" 2>&1");
            info.Environment["ORION_TASK_LOG"] = logPath;
        }

        if (launch.StartOnHost)
        {
            prepare.Add("kill -STOP 0");
        }

        if (prepare.Count > 0)
        {
            info.ArgumentList.Add(string.Join("; ", [.. prepare, "exec /bin/sh -c \"$0\""]));
        }

        info.ArgumentList.Add(launch.Workload.CommandLine!);

        // The task's own first: what the daemon sets for its cards and slice is never overridden (validation refuses those names).
        foreach (var (name, value) in launch.Workload.Environment ?? ImmutableDictionary<string, string>.Empty)
        {
            info.Environment[name] = value;
        }

        // A gang member's rendezvous: PyTorch's variables unless the task set its own (a framework of another convention).
        foreach (var (name, value) in launch.Rendezvous?.Environment() ?? [])
        {
            if (name.StartsWith("ORION_", StringComparison.Ordinal) || launch.Workload.Environment?.ContainsKey(name) != true)
            {
                info.Environment[name] = value;
            }
        }

        if (launch.Workload.WorkingDirectory is { } directory)
        {
            if (!Directory.Exists(directory))
            {
                throw new BackendException($"task {launch.TaskId}: its working directory {directory} does not exist on this node");
            }

            info.WorkingDirectory = directory;
        }

        info.Environment["CUDA_VISIBLE_DEVICES"] = string.Join(',', cards.Select(c => c.Uuid));
        info.Environment["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
        info.Environment["CUDA_MPS_PIPE_DIRECTORY"] = mpsPipeDirectory;
        if (launch.ComputeMilli < 1000)
        {
            // MPS takes whole percent; round up so a small slice is never zero.
            info.Environment["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = ((launch.ComputeMilli + 9) / 10).ToString(CultureInfo.InvariantCulture);
        }

        if (launch.GpuMemoryMiB > 0)
        {
            // Indices are the task's own, in CUDA_VISIBLE_DEVICES order.
            info.Environment["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"] =
                string.Join(',', cards.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"{i}={launch.GpuMemoryMiB}M")));
        }

        info.Environment[LeftoverTaskProcesses.TaskVariable] = launch.TaskId;
        info.Environment[LeftoverTaskProcesses.NodeVariable] = GrainKeys.NodeOfGpu(cards[0].GpuId);
        info.Environment["ORION_TASK_GENERATION"] = launch.Generation.ToString(CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var task = new TaskProcess(launch, process, launch.StartOnHost, logPath);

        // Before the start, so an exit right after it is not missed.
        process.Exited += (_, _) => exited(task);
        try
        {
            launcher.Start(process);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new BackendException($"task {launch.TaskId} could not start: {ex.Message}");
        }

        // Until setsid has run, the group does not exist and a pause sent right after the start would find no one.
        LeadsItsGroup(process.Id, TimeSpan.FromSeconds(2));
        return task;
    }

    /// <summary>Whether SIGSTOP waits for the process (its own or its group's pending signals, /proc/PID/status).</summary>
    private static bool StopPending(int pid)
    {
        const ulong stop = 1UL << (ProcessSignals.Stop - 1);
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if ((line.StartsWith("SigPnd:", StringComparison.Ordinal) || line.StartsWith("ShdPnd:", StringComparison.Ordinal))
                    && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var pending) && (pending & stop) != 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            // Gone while being read.
        }

        return false;
    }

    /// <summary>Waits (briefly) until the process leads its own process group; false when it did not in time or ended.</summary>
    private static bool LeadsItsGroup(int pid, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (ProcessStat.Of(pid) is not { } stat)
            {
                return false;
            }

            if (stat.Group == pid)
            {
                return true;
            }

            if (clock.Elapsed > patience)
            {
                return false;
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>The last line the task wrote to its log (at most 200 characters), or null.</summary>
    public string? LastLogLine()
    {
        if (LogPath is null || !File.Exists(LogPath))
        {
            return null;
        }

        try
        {
            using var file = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            file.Seek(Math.Max(0, file.Length - 4096), SeekOrigin.Begin);
            using var reader = new StreamReader(file);
            var line = reader.ReadToEnd().Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
            return line is null ? null : line.Length > 200 ? line[..200] : line;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The pids in the task's process group now (from /proc).</summary>
    public IReadOnlyList<int> Members() => [.. MemberStates().Keys];

    /// <summary>The pids in the task's process group now, each with its state from /proc.</summary>
    public IReadOnlyDictionary<int, ProcessState> MemberStates()
    {
        var members = new Dictionary<int, ProcessState>();
        foreach (var (pid, stat) in ProcessStat.All())
        {
            if (stat.Group == Group)
            {
                members[pid] = new ProcessState(stat.State, StopPending(pid));
            }
        }

        return members;
    }

    /// <summary>Ends the group: asked first (SIGTERM, and SIGCONT so a stopped group hears it), killed after the grace period.</summary>
    public async Task EndAsync(TimeSpan grace)
    {
        ProcessSignals.ToGroup(Group, ProcessSignals.Terminate);
        ProcessSignals.ToGroup(Group, ProcessSignals.Continue);
        try
        {
            await Process.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
        }

        // Whatever of the group outlived its leader or ignored the request.
        ProcessSignals.ToGroup(Group, ProcessSignals.Kill);
        Process.Dispose();
    }
}
