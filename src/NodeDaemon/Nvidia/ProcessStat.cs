using System.Globalization;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>A process's state and process group as <c>/proc/PID/stat</c> gives them.</summary>
internal readonly record struct ProcessStat(char State, int Group)
{
    /// <summary>The process's stat now; null when it is gone (or was never there).</summary>
    public static ProcessStat? Of(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The fields after the command name, which may itself hold spaces and parentheses: state, ppid, pgrp. Null for a line
    /// that does not have them.
    /// </summary>
    public static ProcessStat? Parse(string stat)
    {
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return rest.Length > 2 && rest[0].Length > 0 && int.TryParse(rest[2], NumberStyles.None, CultureInfo.InvariantCulture, out var group)
            ? new ProcessStat(rest[0][0], group)
            : null;
    }

    /// <summary>Every process now, by pid (read from /proc; one gone while being read is left out).</summary>
    public static IEnumerable<(int Pid, ProcessStat Stat)> All()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Of(pid) is { } stat)
            {
                yield return (pid, stat);
            }
        }
    }
}
