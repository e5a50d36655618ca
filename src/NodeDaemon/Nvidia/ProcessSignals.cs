using System.Runtime.InteropServices;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>POSIX signals to a task's process group (.NET can only kill, not stop or continue, a process).</summary>
internal static partial class ProcessSignals
{
    public const int Kill = 9;
    public const int Terminate = 15;
    public const int Continue = 18;
    public const int Stop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>Signals every process in the group led by <paramref name="leader"/>; false when none is left.</summary>
    public static bool ToGroup(int leader, int signal) => SendSignal(-leader, signal) == 0;

    /// <summary>Signals the group led by <paramref name="leader"/>: 0 when it took, else the error number (EPERM 1, ESRCH 3).</summary>
    public static int ToGroupOrError(int leader, int signal) => SendSignal(-leader, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The name of an error number <see cref="ToGroupOrError"/> gave.</summary>
    public static string ErrorName(int errno) => errno switch
    {
        1 => "EPERM (not permitted)",
        3 => "ESRCH (no such process group)",
        _ => $"errno {errno}",
    };
}
