using System.Security.Cryptography.X509Certificates;
using System.Net;

namespace Orion.Client;

/// <summary>How an <see cref="OrionClient"/> reaches a cluster.</summary>
public sealed class OrionClientOptions
{
    /// <summary>Silo gateways to connect to; empty means the local silo on <see cref="GatewayPort"/>.</summary>
    public IList<IPEndPoint> Gateways { get; } = [];

    /// <summary>A Redis connection string: when set, gateways are found through the cluster's Redis membership.</summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>The local silo's gateway port (Orleans' default is 30000).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The cluster id the silos use.</summary>
    public string ClusterId { get; set; } = "orion";

    /// <summary>
    /// The access token every call carries, for a pool that requires tokens (<c>Orion:Access</c>); a call it does not
    /// allow throws <see cref="UnauthorizedAccessException"/> naming the method and the rule.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// Connect over TLS, to silos with a certificate (<c>Orion:Tls</c>); their certificate must be trusted by this machine
    /// or be, or be issued by, <see cref="TrustedCertificate"/>.
    /// </summary>
    public bool UseTls { get; set; }

    /// <summary>The certificate to trust: the cluster's own, or the authority that issued it (null: the machine's trust store). Setting it means <see cref="UseTls"/>.</summary>
    public X509Certificate2? TrustedCertificate { get; set; }

    /// <summary>
    /// The certificate, with its private key, that this client presents to silos that require one (<c>Orion:Tls:ClientTrust</c>:
    /// issued by the authority named there); <see cref="Orion.Contracts.ClientCertificate.Load"/> reads one. Setting it means <see cref="UseTls"/>.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The service id the silos use.</summary>
    public string ServiceId { get; set; } = "orion";

    /// <summary>
    /// How long one long-poll of <see cref="OrionClient.WatchAsync"/> waits for a change before asking again; above 0 and
    /// below 30 s (the Orleans response timeout).
    /// </summary>
    public TimeSpan WatchPollInterval { get; set; } = TimeSpan.FromSeconds(10);
}
