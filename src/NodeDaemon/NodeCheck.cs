using System.Diagnostics;
using System.Globalization;
using Orion.Contracts;

namespace Orion.NodeDaemon;

/// <summary>
/// A node's self-check (<c>orion-daemon check</c>): what the backend sees and whether it runs, pauses, resumes and stops
/// a task on each card, before the machine joins a pool. Each line says what was checked and what came of it.
/// </summary>
/// <param name="backend">The backend to check.</param>
/// <param name="output">Where the report goes.</param>
public sealed class NodeCheck(IGpuBackend backend, TextWriter output)
{
    /// <summary>How long a short task may take to exit by itself before the check calls it a failure.</summary>
    public TimeSpan ExitPatience { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs the checks with a short task (exits by itself) and a long one (runs until stopped) of a kind the backend runs;
    /// true when every check passed. A <paramref name="gpuWork"/> task, when given, is one that holds device memory (a
    /// CUDA program for NVIDIA cards, given <paramref name="gpuWorkMemoryMiB"/> per card, a cap where MPS runs): its compute is
    /// measured, and its memory moved to host RAM and back.
    /// </summary>
    public async Task<bool> RunAsync(WorkloadSpec shortWork, WorkloadSpec longWork, WorkloadSpec? gpuWork = null, long memoryMiB = 1024, long gpuWorkMemoryMiB = 8192)
    {
        var passed = true;
        void Report(bool ok, string what)
        {
            passed &= ok;
            output.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
        }

        output.WriteLine($"backend {backend.Name}, {backend.Devices.Count} card(s), slices enforced by: {backend.SliceEnforcement}");
        foreach (var d in backend.Devices)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {d.GpuId}: {d.Model}, {d.MemoryMiB} MiB, speed {d.RelativeSpeed:0.##}, host link {d.HostLinkGBps:0.#} GB/s, {d.Uuid}"));
        }

        Report(backend.Devices.Count > 0, "cards found");
        if (backend is Nvidia.NvidiaGpuBackend nvidia)
        {
            Report(nvidia.TasksEndWithDaemon, "task processes die with the daemon (setpriv --pdeathsig)");
        }
        try
        {
            var usage = backend.MeasureUsage();
            Report(usage.Count == backend.Devices.Count, "usage measured: " + string.Join(", ", usage.Select(u =>
                string.Create(CultureInfo.InvariantCulture, $"{u.GpuId} busy {u.BusyPercent:0.#}% {u.MemoryUsedMiB} MiB"))));
        }
        catch (BackendException ex)
        {
            output.WriteLine($"note usage not measured: {ex.Message}");
        }

        // A broken card fails the check and is not run on; a backend that cannot read health says so and goes on.
        var broken = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fault in backend.CheckHealth())
            {
                broken.Add(fault.GpuId);
                Report(false, $"{fault.GpuId}: broken: {fault.Reason}");
            }

            Report(true, broken.Count == 0 ? "health: no card reported broken" : $"health read: {broken.Count} card(s) broken");
        }
        catch (BackendException ex)
        {
            output.WriteLine($"note health not read: {ex.Message}");
        }

        foreach (var card in backend.Devices.Where(d => !broken.Contains(d.GpuId)))
        {
            await CheckCard(card, shortWork, longWork, memoryMiB, Report);
        }

        if (gpuWork is not null && backend.Devices.FirstOrDefault(d => !broken.Contains(d.GpuId)) is { } working)
        {
            await CheckMoves(working, gpuWork, gpuWorkMemoryMiB, Report);
        }

        output.WriteLine(passed ? "all checks passed" : "some checks failed");
        return passed;
    }

    // Results go through the report only: it is what the verdict counts.
    private async Task CheckCard(GpuDevice card, WorkloadSpec shortWork, WorkloadSpec longWork, long memoryMiB, Action<bool, string> report)
    {
        using var watched = new WatchedTask(backend);
        var (id, exited) = (watched.Id, watched.Exited);
        try
        {
            var clock = Stopwatch.StartNew();
            backend.Start(new TaskLaunch(id, 1, [card.GpuId], 500, memoryMiB, shortWork));
            var exit = await exited.WaitAsync(ExitPatience);
            report(exit.Succeeded, $"{card.GpuId}: a short task ran and exited by itself ({exit.Reason}, {clock.ElapsedMilliseconds} ms)");

            backend.Start(new TaskLaunch(id, 2, [card.GpuId], 500, memoryMiB, longWork));
            report(backend.Running.GetValueOrDefault(id) == 2, $"{card.GpuId}: a long task runs");
            var paused = backend.Pause(id, 2, "check") && backend.IsPaused(id);
            var (stopped, how) = await Processes(id, stopped: true);
            report(paused && stopped, $"{card.GpuId}: it pauses{how}");
            var resumed = backend.Resume(id, 2, "check") && !backend.IsPaused(id);
            (var running, how) = await Processes(id, stopped: false);
            report(resumed && running, $"{card.GpuId}: it resumes{how}");
            report(backend.Stop(id, 2) && !backend.Running.ContainsKey(id), $"{card.GpuId}: it stops");
        }
        catch (Exception ex) when (ex is BackendException or TimeoutException)
        {
            report(false, $"{card.GpuId}: {ex.Message}");
            backend.Stop(id, long.MaxValue);
        }
    }

    private async Task CheckMoves(GpuDevice card, WorkloadSpec gpuWork, long memoryMiB, Action<bool, string> report)
    {
        using var watched = new WatchedTask(backend);
        var (id, exited) = (watched.Id, watched.Exited);
        try
        {
            var before = MemoryInUse(card);
            backend.Start(new TaskLaunch(id, 1, [card.GpuId], 1000, memoryMiB, gpuWork));

            // The program takes its device memory after it starts: it has it once the card shows more in use, and the same
            // amount half a second later.
            var last = before;
            var taken = await Poll(() =>
            {
                var now = MemoryInUse(card);
                var settled = now > before && now == last;
                last = now;
                return settled || exited.IsCompleted;
            }, ExitPatience, TimeSpan.FromMilliseconds(500));
            if (exited.IsCompleted)
            {
                report(false, $"{card.GpuId}: the GPU program ended before its memory could move ({exited.Result.Reason})");
                return;
            }

            var holding = MemoryInUse(card);
            report(taken, $"{card.GpuId}: the GPU program holds memory on the card ({holding - before} MiB more in use)");
            var activity = backend.MeasureTaskActivity();
            report(activity.ContainsKey(id), string.Create(CultureInfo.InvariantCulture,
                $"{card.GpuId}: the GPU program's compute is measured ({activity.GetValueOrDefault(id):0.#}% of the card lately)"));
            var moved = await backend.SwapOut(id, 1);
            var left = MemoryInUse(card);
            report(moved.Applied && moved.ResidentMiB == 0, $"{card.GpuId}: memory moved to host ({Mib(moved.BytesMoved)} MiB in {moved.Duration.TotalMilliseconds:0} ms, {Rate(moved)})");
            report(holding - left >= Mib(moved.BytesMoved) / 2, $"{card.GpuId}: the card freed it ({holding} MiB in use before, {left} MiB after)");
            var back = await backend.SwapIn(id, 1);
            report(back.Applied && back.HostMiB == 0, $"{card.GpuId}: memory back on the card ({Mib(back.BytesMoved)} MiB in {back.Duration.TotalMilliseconds:0} ms, {Rate(back)})");

            // The program checks its own data as it runs: wrong bytes after the round trip end it with an error.
            var ended = await Poll(() => exited.IsCompleted, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100));
            report(!ended && backend.Running.ContainsKey(id), ended
                ? $"{card.GpuId}: the GPU program ended after the moves ({exited.Result.Reason})"
                : $"{card.GpuId}: the GPU program runs on after the moves");
        }
        catch (BackendException ex)
        {
            report(false, $"{card.GpuId}: memory moves: {ex.Message}");
        }
        finally
        {
            backend.Stop(id, long.MaxValue);
        }
    }

    /// <summary>
    /// Whether every process of the task is stopped (state T, or a stop pending), or none is, as the operating system says; a signal takes a
    /// moment to land, so it looks for up to two seconds. A backend without processes has only its books to go by.
    /// </summary>
    private async Task<(bool Ok, string How)> Processes(string id, bool stopped)
    {
        var states = backend.ProcessStates(id);
        if (states is null)
        {
            return (true, "");
        }

        var clock = Stopwatch.StartNew();
        while (states.Count > 0 && states.Values.Any(s => s.Stopped != stopped) && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(20);
            states = backend.ProcessStates(id) ?? new Dictionary<int, ProcessState>();
        }

        if (states.Count == 0)
        {
            return (false, " (no process of its group is left)");
        }

        var wrong = states.Where(s => s.Value.Stopped != stopped).OrderBy(s => s.Key).ToList();
        return wrong.Count == 0
            ? (true, stopped ? $" (all {states.Count} process(es) of its group stopped)" : $" (all {states.Count} process(es) of its group running)")
            : (false, $" (process(es) {string.Join(", ", wrong.Select(s => $"{s.Key} in state {s.Value.State}"))}: {(stopped ? "not stopped" : "still stopped")})");
    }

    // NVML's figure for the whole card (anyone's memory); 0 where the backend cannot measure.
    private long MemoryInUse(GpuDevice card)
    {
        try
        {
            return backend.MeasureUsage().FirstOrDefault(u => u.GpuId == card.GpuId)?.MemoryUsedMiB ?? 0;
        }
        catch (BackendException)
        {
            return 0;
        }
    }

    private static async Task<bool> Poll(Func<bool> done, TimeSpan patience, TimeSpan every)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > patience)
            {
                return false;
            }

            await Task.Delay(every);
        }

        return true;
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);

    private static string Rate(SwapResult move) => move.Duration > TimeSpan.Zero
        ? string.Create(CultureInfo.InvariantCulture, $"{move.BytesMoved / move.Duration.TotalSeconds / 1e9:0.0} GB/s")
        : "no time";

    /// <summary>A check's task: its id, and its exit as the backend reports it while this is not disposed.</summary>
    private sealed class WatchedTask : IDisposable
    {
        private readonly IGpuBackend backend;
        private readonly TaskCompletionSource<TaskExit> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WatchedTask(IGpuBackend backend)
        {
            this.backend = backend;
            backend.Exited += OnExit;
        }

        public string Id { get; } = $"orion-check-{Guid.NewGuid():N}"[..24];

        public Task<TaskExit> Exited => exited.Task;

        public void Dispose() => backend.Exited -= OnExit;

        private void OnExit(TaskExit e)
        {
            if (e.TaskId == Id)
            {
                exited.TrySetResult(e);
            }
        }
    }
}
