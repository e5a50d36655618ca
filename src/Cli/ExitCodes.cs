namespace Orion.Cli;

/// <summary>The CLI's exit codes.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The cluster answered no: unknown task, rejected spec, a task that ended badly while waited for.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: unknown command or option, a malformed value, an unreadable spec file.</summary>
    public const int BadInput = 2;

    /// <summary>The cluster could not be reached.</summary>
    public const int Unreachable = 3;

    /// <summary>
    /// Ctrl+C or SIGTERM stopped the command before it finished (the shell's code for SIGINT): a submit --wait before its
    /// task ran, which stays submitted. watch and top end this way with <see cref="Ok"/>.
    /// </summary>
    public const int Interrupted = 130;
}
