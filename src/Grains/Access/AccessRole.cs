namespace Orion.Grains.Access;

/// <summary>What a token may do when the pool requires access tokens.</summary>
public enum AccessRole
{
    /// <summary>Everything a client may call: settings, cordons, quotas, any tenant's work.</summary>
    Admin,

    /// <summary>Reads, and its tenant's own tasks and deployments.</summary>
    Tenant,

    /// <summary>Reads, and a node daemon's calls: registration, heartbeats, its tasks' reports and demand.</summary>
    Node,

    /// <summary>Reads only: dashboards, the CLI's listings.</summary>
    Viewer,
}
