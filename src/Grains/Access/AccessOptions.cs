namespace Orion.Grains.Access;

/// <summary>Who may call the pool (configuration section <c>Orion:Access</c>): off by default, as on one trusted machine.</summary>
public sealed class AccessOptions
{
    public const string Section = "Orion:Access";

    /// <summary>Every client's grain call, and every page and API request but /health and /metrics, needs a valid token.</summary>
    public bool Required { get; set; }

    /// <summary>The tokens the pool takes, each by its SHA-256 (<c>orion token new</c> makes one and prints its entry).</summary>
    public List<AccessTokenOptions> Tokens { get; } = [];

    /// <summary>
    /// A secret every silo of the cluster shares, which the silos' own callers (the API, the embedded daemons) send
    /// instead of a token. Needed when there is more than one silo; one silo makes its own when none is set.
    /// </summary>
    public string? ClusterSecret { get; set; }

    /// <summary>
    /// The most calls a second one tenant's or viewer's token may make (a runaway script polling in a loop); 0: no limit.
    /// Admins' and nodes' tokens are not limited (an unbound node token speaks for a whole fleet).
    /// </summary>
    public double CallsPerSecond { get; set; }

    /// <summary>Calls such a token may make at once after a quiet spell; 0: twice <see cref="CallsPerSecond"/>, at least 1.</summary>
    public int CallBurst { get; set; }

    /// <summary>
    /// What a tenant's token reads: <see cref="TenantReads.All"/> (the default) or only its own tenant's
    /// (<see cref="TenantReads.Own"/>, for a pool shared by teams that must not see each other's work). Admins and viewers read all.
    /// </summary>
    public TenantReads TenantReads { get; set; }

    /// <summary>
    /// How long a silo that cannot read the pool's issued tokens (<c>orion token issue</c>) goes on taking them from its
    /// last copy: past it, they are refused (fail closed, so a token revoked during an outage stops working), while the
    /// settings' tokens still work. 0: for as long as the outage lasts.
    /// </summary>
    public TimeSpan IssuedTokensMaxStale { get; set; } = TimeSpan.FromMinutes(5);
}
