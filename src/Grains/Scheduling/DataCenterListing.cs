using Orion.Contracts;

namespace Orion.Grains.Scheduling;

/// <summary>
/// Which data centres the pool's directory lists. Pure: the pool grain asks it for each summary a scheduler pushes.
/// A data centre is listed while a node of it is registered (even when none is schedulable now) or its scheduler
/// reports a node or a queued task. One known only by name (a task named it, no node reports to it) and with nothing
/// queued is not: routing and spill-over skip it anyway (no node, nothing to offer), and the pool-wide views would
/// otherwise ask its scheduler on every read, bringing back an activation that had let go. It is listed again as
/// soon as its scheduler queues a task or a node of it registers.
/// </summary>
public static class DataCenterListing
{
    /// <summary>Whether the directory keeps <paramref name="summary"/>; <paramref name="hasNodes"/>: a node of it is registered.</summary>
    public static bool Keeps(DataCenterSummary summary, bool hasNodes) => hasNodes || summary.Nodes > 0 || summary.Queued > 0;
}
