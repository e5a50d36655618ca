namespace Orion.Grains.Access;

/// <summary>What a tenant's token may read of the pool (<c>Orion:Access:TenantReads</c>).</summary>
public enum TenantReads
{
    /// <summary>All of the pool, but what is another tenant's alone (<see cref="TenantPrivacy"/>): one team's pool, shared openly.</summary>
    All,

    /// <summary>
    /// Its own tenant's tasks, deployments, quota, usage and events only; cards show room others hold as taken, not by whom
    /// (<see cref="TenantView"/>). Another tenant's task, deployment, quota or usage is refused by name.
    /// </summary>
    Own,
}
