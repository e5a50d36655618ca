using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>
/// Starts task processes so that they die with the daemon: each runs under <c>setpriv --pdeathsig KILL</c>, and all are
/// started from one thread that lives as long as the launcher. The kernel sends the parent-death signal when the thread
/// that forked the process ends, not the process, so a start from a pool thread would kill the task when that thread
/// retired.
/// </summary>
internal sealed class TaskLauncher : IDisposable
{
    private readonly BlockingCollection<Action> starts = new();
    private readonly Thread thread;
    private readonly string? setpriv;
    private int disposed;

    /// <summary>A launcher with its own thread; <paramref name="setprivPath"/> null finds setpriv (util-linux) on the usual paths.</summary>
    public TaskLauncher(string? setprivPath = null)
    {
        setpriv = setprivPath ?? FindSetpriv();
        thread = new Thread(Run) { IsBackground = true, Name = "orion-task-launcher" };
        thread.Start();
    }

    /// <summary>Whether a task's leading process is killed when the daemon dies (setpriv was found).</summary>
    public bool TasksEndWithDaemon => setpriv is not null;

    /// <summary>Start information for <paramref name="program"/> (its arguments to follow), under setpriv where there is one.</summary>
    public ProcessStartInfo StartInfo(string program)
    {
        if (setpriv is null)
        {
            return new ProcessStartInfo(program) { UseShellExecute = false };
        }

        var info = new ProcessStartInfo(setpriv) { UseShellExecute = false };
        info.ArgumentList.Add("--pdeathsig");
        info.ArgumentList.Add("KILL");
        info.ArgumentList.Add(program);
        return info;
    }

    /// <summary>Starts <paramref name="process"/> on the launcher's thread and waits for it; the start's exceptions come back here.</summary>
    /// <exception cref="ObjectDisposedException">The launcher is disposed.</exception>
    public void Start(Process process)
    {
        Exception? failed = null;
        using var done = new ManualResetEventSlim();
        try
        {
            starts.Add(() =>
            {
                try
                {
                    process.Start();
                }
                catch (Exception ex)
                {
                    failed = ex;
                }

                done.Set();
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(TaskLauncher));
        }

        done.Wait();
        if (failed is not null)
        {
            ExceptionDispatchInfo.Throw(failed);
        }
    }

    /// <summary>Ends the thread: processes it started that are still running are killed, as if the daemon had died.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        starts.CompleteAdding();
        thread.Join();
        starts.Dispose();
    }

    private void Run()
    {
        foreach (var start in starts.GetConsumingEnumerable())
        {
            start();
        }
    }

    private static string? FindSetpriv() => new[] { "/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv", "/sbin/setpriv" }.FirstOrDefault(File.Exists);
}
