namespace Orion.Grains.Scheduling;

/// <summary>
/// When a data centre's scheduler lets go of its activation. Pure: the scheduler grain checks it on a timer. A
/// scheduler that indexes no node and queues no task holds nothing a later activation would not rebuild (nodes
/// from the pool's directory, pending tasks from the catalogue), so keeping it only costs memory: one per name a
/// client ever submitted to. It lets go once it held nothing at two checks in a row with no work between them, so a
/// data centre being set up (tasks and nodes arriving) does not lose and rebuild its scheduler between each.
/// A scheduler that indexes a node, or queues a task, keeps its activation (as a pending pod waits for its node).
/// </summary>
public sealed class SchedulerRelease
{
    private bool idleAtLastCheck;

    /// <summary>
    /// Whether a scheduler holds nothing of its own: no node indexed (even one that is not schedulable now), no task
    /// queued, and nothing under way (a round, a reservation out, an offer or a call waiting for its round).
    /// </summary>
    public static bool HoldsNothing(int nodes, int queued, bool working) => nodes == 0 && queued == 0 && !working;

    /// <summary>Work came (a task, a node's account, an offer): the next check starts the count again.</summary>
    public void Worked() => idleAtLastCheck = false;

    /// <summary>One check: true when the scheduler should let go (it held nothing now and at the last check, with no work between).</summary>
    public bool Check(bool holdsNothing)
    {
        var letGo = holdsNothing && idleAtLastCheck;
        idleAtLastCheck = holdsNothing;
        return letGo;
    }
}
