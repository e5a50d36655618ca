using System.Diagnostics;
using Orion.Contracts;
using Orion.NodeDaemon.Nvidia;

namespace Orion.Tests.Nvidia;

/// <summary>Task processes die with the daemon that started them, and only then; real processes and threads.</summary>
public sealed class TaskLauncherTests
{
    [Fact]
    public async Task A_task_process_is_killed_when_the_daemon_that_started_it_dies()
    {
        var launcher = new TaskLauncher();
        Assert.True(launcher.TasksEndWithDaemon, "setpriv (util-linux) is part of every Debian install");
        using var process = new Process { StartInfo = launcher.StartInfo("sleep") };
        process.StartInfo.ArgumentList.Add("600");
        launcher.Start(process);

        // setpriv sets the signal and then becomes sleep: before that, a daemon that dies leaves it nothing to hear.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (File.ReadAllText($"/proc/{process.Id}/comm").Trim() != "sleep")
        {
            Assert.True(DateTime.UtcNow < deadline, "setpriv did not start the task");
            await Task.Delay(5);
        }

        // A dying daemon's threads all end; the launcher's is the one the kernel watches for this process.
        launcher.Dispose();

        // Watched in /proc: a zombie or gone is dead, whenever this test's thread gets to look.
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (ProcStat.State(process.Id) is not ('Z' or '?'))
        {
            Assert.True(DateTime.UtcNow < deadline, "the task outlived its daemon");
            await Task.Delay(20);
        }

        Assert.True(process.WaitForExit(10_000));
        Assert.Equal(128 + ProcessSignals.Kill, process.ExitCode);
    }

    [Fact]
    public async Task A_task_outlives_the_thread_that_asked_for_its_start()
    {
        GpuDevice[] cards = NvidiaBackendContractTests.Cards;
        using var backend = new NvidiaGpuBackend(cards) { StopGrace = TimeSpan.FromSeconds(2), MpsPipeDirectory = NvidiaBackendContractTests.NoMps() };
        string? threadDirectory = null;
        var caller = new Thread(() =>
        {
            // /proc/thread-self names this thread's /proc/PID/task/TID, which goes once the thread has ended.
            threadDirectory = Directory.ResolveLinkTarget("/proc/thread-self", returnFinalTarget: false)!.FullName;
            backend.Start(new TaskLaunch("t1", 1, [cards[0].GpuId], 1000, 1024, WorkloadSpec.Process("sleep 600")));
        });
        caller.Start();
        caller.Join();
        Assert.NotNull(threadDirectory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.Exists(threadDirectory))
        {
            Assert.True(DateTime.UtcNow < deadline, "the calling thread did not end");
            await Task.Delay(10);
        }

        // Had the calling thread forked it, its end would have sent the parent-death signal; a killed process dies
        // within milliseconds, so a second alive is proof enough.
        var group = backend.ProcessGroupOf("t1")!.Value;
        var watched = Stopwatch.StartNew();
        while (watched.Elapsed < TimeSpan.FromSeconds(1))
        {
            Assert.Contains(ProcStat.State(group), "RSD");
            await Task.Delay(20);
        }

        Assert.Contains("t1", backend.Running.Keys);
    }
}
