namespace Orion.NodeDaemon;

/// <summary>One process of a task as /proc shows it.</summary>
/// <param name="State">Its state letter: R running, S sleeping, D in an uninterruptible wait, T stopped, Z ended.</param>
/// <param name="StopPending">A stop signal waits for it: it stops as soon as it leaves an uninterruptible wait (a shell
/// waiting in <c>vfork</c> for a child that was stopped before it ran its command stays so).</param>
public readonly record struct ProcessState(char State, bool StopPending)
{
    /// <summary>Stopped, or stopping the moment it could run.</summary>
    public bool Stopped => State is 'T' or 't' || StopPending;
}
