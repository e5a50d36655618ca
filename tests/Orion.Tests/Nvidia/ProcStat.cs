namespace Orion.Tests.Nvidia;

/// <summary>What /proc says of a process: the tests' own view, apart from the backend's.</summary>
internal static class ProcStat
{
    /// <summary>Its state letter (R running, S sleeping, T stopped, ...); '?' once it is gone.</summary>
    public static char State(int pid) => Fields(pid)?[0][0] ?? '?';

    /// <summary>The fields of /proc/PID/stat after the command name (state, ppid, pgrp, ...); null once it is gone.</summary>
    public static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
