using System.Diagnostics;
using Orion.Contracts;
using Orion.NodeDaemon.Nvidia;

namespace Orion.Tests.Nvidia;

/// <summary>Task processes a dead daemon left behind, found by their environment and ended; real process groups.</summary>
public sealed class LeftoverTaskProcessesTests : IDisposable
{
    private readonly string node = $"dc1/leftover-{Guid.NewGuid():N}";
    private readonly string other = $"dc1/leftover-{Guid.NewGuid():N}";
    private readonly List<Process> started = [];

    public void Dispose()
    {
        foreach (var p in started)
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            p.Dispose();
        }
    }

    /// <summary>A process group as a daemon starts a task's: its own session, the node and task in its environment.</summary>
    private Process Leftover(string nodeId, string taskId, string command)
    {
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false };
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.Environment[LeftoverTaskProcesses.NodeVariable] = nodeId;
        info.Environment[LeftoverTaskProcesses.TaskVariable] = taskId;
        var p = Process.Start(info)!;
        started.Add(p);
        return p;
    }

    [Fact]
    public async Task A_daemon_ends_what_a_dead_daemon_of_its_node_left_and_nothing_else()
    {
        var polite = Leftover(node, "a", "sleep 600 & wait");
        var stubborn = Leftover(node, "b", "trap '' TERM; sleep 600 & wait");
        var elsewhere = Leftover(other, "c", "sleep 600 & wait");
        await Until(() => LeftoverTaskProcesses.Find(node).Count == 2 && LeftoverTaskProcesses.Find(other).Count == 1);
        Assert.Equal([polite.Id, stubborn.Id], LeftoverTaskProcesses.Find(node).Order());

        // SIGTERM ends the first; the second ignores it and is killed once the grace is over.
        Assert.Equal(2, await LeftoverTaskProcesses.EndAsync(node, TimeSpan.FromMilliseconds(500)));
        await Until(() => LeftoverTaskProcesses.Find(node).Count == 0);
        Assert.True(polite.WaitForExit(5_000) && stubborn.WaitForExit(5_000));
        Assert.Equal([elsewhere.Id], LeftoverTaskProcesses.Find(other));
        Assert.False(elsewhere.HasExited);
    }

    [Fact]
    public async Task The_nvidia_backend_marks_each_task_process_with_its_node()
    {
        GpuDevice[] cards = [new($"{node}/0", 0, "A100-SXM4-80GB", 81920, 1.0, 31.5, "GPU-6f1b3c2a-0000-4000-8000-00000000aaaa")];
        using var backend = new NvidiaGpuBackend(cards) { StopGrace = TimeSpan.FromSeconds(2), MpsPipeDirectory = NvidiaBackendContractTests.NoMps() };
        backend.Start(new TaskLaunch("t1", 1, [cards[0].GpuId], 1000, 1024, WorkloadSpec.Process("sleep 600 & wait")));
        await Until(() => LeftoverTaskProcesses.Find(node).Count == 1);
        Assert.Equal(backend.ProcessGroupOf("t1"), LeftoverTaskProcesses.Find(node)[0]);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }
}
