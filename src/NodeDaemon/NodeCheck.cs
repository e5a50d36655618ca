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
    /// CUDA program for NVIDIA cards): it is moved to host RAM and back.
    /// </summary>
    public async Task<bool> RunAsync(WorkloadSpec shortWork, WorkloadSpec longWork, WorkloadSpec? gpuWork = null, long memoryMiB = 1024)
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

        foreach (var card in backend.Devices)
        {
            await CheckCard(card, shortWork, longWork, memoryMiB, Report);
        }

        if (gpuWork is not null && backend.Devices.Count > 0)
        {
            await CheckMoves(backend.Devices[0], gpuWork, memoryMiB, Report);
        }

        output.WriteLine(passed ? "all checks passed" : "some checks failed");
        return passed;
    }

    // Results go through the report only: it is what the verdict counts.
    private async Task CheckCard(GpuDevice card, WorkloadSpec shortWork, WorkloadSpec longWork, long memoryMiB, Action<bool, string> report)
    {
        var id = $"orion-check-{Guid.NewGuid():N}"[..24];
        var exited = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnExit(TaskExit e)
        {
            if (e.TaskId == id)
            {
                exited.TrySetResult(e);
            }
        }

        backend.Exited += OnExit;
        try
        {
            var clock = Stopwatch.StartNew();
            backend.Start(new TaskLaunch(id, 1, [card.GpuId], 500, memoryMiB, shortWork));
            var exit = await exited.Task.WaitAsync(ExitPatience);
            report(exit.Succeeded, $"{card.GpuId}: a short task ran and exited by itself ({exit.Reason}, {clock.ElapsedMilliseconds} ms)");

            backend.Start(new TaskLaunch(id, 2, [card.GpuId], 500, memoryMiB, longWork));
            report(backend.Running.GetValueOrDefault(id) == 2, $"{card.GpuId}: a long task runs");
            report(backend.Pause(id, 2, "check") && backend.IsPaused(id), $"{card.GpuId}: it pauses");
            report(backend.Resume(id, 2, "check") && !backend.IsPaused(id), $"{card.GpuId}: it resumes");
            report(backend.Stop(id, 2) && !backend.Running.ContainsKey(id), $"{card.GpuId}: it stops");
        }
        catch (Exception ex) when (ex is BackendException or TimeoutException)
        {
            report(false, $"{card.GpuId}: {ex.Message}");
            backend.Stop(id, long.MaxValue);
        }
        finally
        {
            backend.Exited -= OnExit;
        }
    }

    private async Task CheckMoves(GpuDevice card, WorkloadSpec gpuWork, long memoryMiB, Action<bool, string> report)
    {
        var id = $"orion-check-{Guid.NewGuid():N}"[..24];
        try
        {
            backend.Start(new TaskLaunch(id, 1, [card.GpuId], 1000, memoryMiB, gpuWork));

            // A program needs a moment to take its device memory.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var moved = await backend.SwapOut(id, 1);
            report(moved.Applied && moved.ResidentMiB == 0, $"{card.GpuId}: memory moved to host ({moved.BytesMoved / (1024 * 1024)} MiB in {moved.Duration.TotalMilliseconds:0} ms)");
            var back = await backend.SwapIn(id, 1);
            report(back.Applied && back.HostMiB == 0, $"{card.GpuId}: memory back on the card ({back.BytesMoved / (1024 * 1024)} MiB in {back.Duration.TotalMilliseconds:0} ms)");
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
}
