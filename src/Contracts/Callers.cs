namespace Orion.Contracts;

/// <summary>
/// Who outside the cluster may call a grain method when the pool requires access tokens (<see cref="AccessAttribute"/>).
/// An admin token may call every method a client may call at all; grains and the silos' own callers are never checked.
/// </summary>
[Flags]
public enum Callers
{
    /// <summary>No client: the method is a message between the cluster's own grains (a report, a tick, a reservation).</summary>
    None = 0,

    /// <summary>Any valid token: the method only reads.</summary>
    Anyone = 1,

    /// <summary>A tenant's token, on what its tenant owns (its tasks, deployments, quota preview; a spec naming it).</summary>
    Owner = 2,

    /// <summary>A node's token, on that node and what runs there (its registration, its tasks' start and exit reports, demand).</summary>
    Node = 4,

    /// <summary>Only an admin token (pool settings, cordons, labels, quotas, evictions).</summary>
    Admin = 8,
}
