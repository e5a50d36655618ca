using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// Which of a node's reservations it checks with their tasks, and what a task's status says about one. A reservation
/// nobody claims would otherwise hold capacity for ever: its placement (a one-way OnPlaced) was lost with a silo, or
/// reached a task activation that could not give it back.
/// </summary>
public static class ReservationClaim
{
    /// <summary>
    /// The reservations to check: reserved, or last confirmed, longer than <paramref name="timeout"/> ago and not running
    /// on the daemon (a running task is claimed by its run; the daemon stops runs that nothing holds).
    /// </summary>
    public static IReadOnlyList<string> ToConfirm(
        IEnumerable<(string TaskId, long Generation, DateTimeOffset Since)> held, IEnumerable<RunningTask> running, DateTimeOffset now, TimeSpan timeout)
    {
        var stale = held.Where(h => now - h.Since > timeout).ToList();
        if (stale.Count == 0)
        {
            return [];
        }

        var runs = running.Select(r => (r.TaskId, r.Generation)).ToHashSet();
        return [.. stale.Where(h => !runs.Contains((h.TaskId, h.Generation))).Select(h => h.TaskId)];
    }

    /// <summary>Whether <paramref name="status"/> holds <paramref name="generation"/>'s capacity on <paramref name="nodeId"/>.</summary>
    public static bool Claims(VGpuTaskStatus? status, long generation, string nodeId) =>
        status is { } s && s.Generation == generation && s.State.HoldsCapacity() && s.Placement?.NodeId == nodeId;
}
