using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orleans.Connections.Security;

namespace Orion.Silo;

/// <summary>
/// TLS on the silo's Orleans connections (section <c>Orion:Tls</c>): the gateway that clients and daemons reach and the
/// links between silos. Off unless a certificate is given. Clients need none of their own (tokens say who they are)
/// unless <c>ClientTrust</c> names the authority whose certificates they must present (mutual TLS).
/// </summary>
public static class OrionTls
{
    public const string Section = "Orion:Tls";

    public static ISiloBuilder UseOrionTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (string.IsNullOrWhiteSpace(section["Certificate"]))
        {
            if (section["ClientTrust"] is { Length: > 0 })
            {
                throw Invalid($"{Section}:ClientTrust needs {Section}:Certificate: clients present certificates only over TLS, which the silo speaks with a certificate of its own");
            }

            return silo;
        }

        var (certificate, trusted) = Load(section);
        if (ClientAuthority(section) is { } clients)
        {
            return silo.UseTls(tls =>
            {
                tls.LocalCertificate = certificate;

                // Every connection presents a certificate: another silo's, issued by the cluster's authority (or the shared
                // one), or a client's or daemon's, issued by the clients' authority. The machine's trust store does not
                // count here: a certificate any public authority issued would let anyone in.
                tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                tls.RemoteCertificateValidation = (remote, _, _) => CertificateTrust.IssuedBy(remote, trusted) || CertificateTrust.IssuedBy(remote, clients);
            });
        }

        return silo.UseTls(tls =>
        {
            tls.LocalCertificate = certificate;

            // Clients and daemons present no certificate; one presented (another silo's) must be trusted, as must the
            // certificate of a silo this one connects to.
            tls.RemoteCertificateMode = RemoteCertificateMode.AllowCertificate;
            tls.RemoteCertificateValidation = (remote, _, errors) => CertificateTrust.Accepts(remote, errors, trusted);
        });
    }

    /// <summary>The silo's certificate with its key, and the one other silos' must be or chain to (its authority's, else its own).</summary>
    private static (X509Certificate2 Certificate, X509Certificate2 Trusted) Load(IConfigurationSection section)
    {
        var path = section["Certificate"]!;
        X509Certificate2 certificate;
        try
        {
            certificate = section["Key"] is { Length: > 0 } key
                ? X509Certificate2.CreateFromPemFile(path, key)
                : X509CertificateLoader.LoadPkcs12FromFile(path, section["Password"]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw Invalid($"{Section}:Certificate must be a PKCS#12 file (with {Section}:Password if it has one), or a PEM certificate with {Section}:Key; '{path}' could not be read: {ex.Message}");
        }

        if (!certificate.HasPrivateKey)
        {
            throw Invalid($"{Section}:Certificate must come with its private key, and '{path}' has none");
        }

        try
        {
            return (certificate, section["Trust"] is { Length: > 0 } trust ? CertificateTrust.Load(trust) : certificate);
        }
        catch (ArgumentException ex)
        {
            throw Invalid($"{Section}:Trust: {ex.Message}");
        }
    }

    /// <summary>The authority whose certificates clients and daemons must present, when the silo requires them.</summary>
    private static X509Certificate2? ClientAuthority(IConfigurationSection section)
    {
        try
        {
            return section["ClientTrust"] is { Length: > 0 } path ? CertificateTrust.Load(path) : null;
        }
        catch (ArgumentException ex)
        {
            throw Invalid($"{Section}:ClientTrust: {ex.Message}");
        }
    }

    private static OptionsValidationException Invalid(string failure) => new(Section, typeof(X509Certificate2), [failure]);
}
