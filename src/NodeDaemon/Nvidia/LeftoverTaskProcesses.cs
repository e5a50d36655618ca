using System.Globalization;
using System.Text;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>
/// Task processes that a daemon of this node left running when it died (crashed, or was killed without its stop path).
/// The pool declared that daemon's tasks lost and placed them again, so whatever of them still runs here holds GPU
/// memory twice and may write their outputs twice: a daemon ends them before it registers. Each task's processes carry
/// the node's id (<see cref="NodeVariable"/>) and their task's id in their environment, which is how they are found.
/// </summary>
public static class LeftoverTaskProcesses
{
    /// <summary>The environment variable naming the node a task process was started for.</summary>
    public const string NodeVariable = "ORION_NODE_ID";

    /// <summary>The environment variable naming a task process's task.</summary>
    public const string TaskVariable = "ORION_TASK_ID";

    /// <summary>The process groups of task processes started for <paramref name="nodeId"/> (not this process's own).</summary>
    public static IReadOnlyList<int> Find(string nodeId)
    {
        var own = Environment.ProcessId;
        var ownGroup = ProcessStat.Of(own)?.Group;
        var groups = new SortedSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == own)
            {
                continue;
            }

            try
            {
                var environment = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "environ"))).Split('\0');
                if (!environment.Contains($"{NodeVariable}={nodeId}") || !environment.Any(e => e.StartsWith(TaskVariable + "=", StringComparison.Ordinal)))
                {
                    continue;
                }

                // Never this process's own group: a task process caught before its setsid is still in it.
                if (ProcessStat.Of(pid) is { Group: > 1 } stat && stat.Group != ownGroup)
                {
                    groups.Add(stat.Group);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone while being read, or another user's process (not one this daemon's user started).
            }
        }

        return [.. groups];
    }

    /// <summary>
    /// Ends every leftover task process group of <paramref name="nodeId"/>: SIGTERM (and SIGCONT, for one left paused),
    /// then SIGKILL to what is left after <paramref name="grace"/>. Returns how many groups there were.
    /// </summary>
    public static async Task<int> EndAsync(string nodeId, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var groups = Find(nodeId);
        foreach (var group in groups)
        {
            ProcessSignals.ToGroup(group, ProcessSignals.Terminate);
            ProcessSignals.ToGroup(group, ProcessSignals.Continue);
        }

        var deadline = DateTime.UtcNow + grace;
        while (Find(nodeId).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }

        foreach (var group in Find(nodeId))
        {
            ProcessSignals.ToGroup(group, ProcessSignals.Kill);
        }

        return groups.Count;
    }
}
