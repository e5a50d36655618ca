using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Orion.Contracts;

/// <summary>
/// Whether a silo's (or a connecting client's) TLS certificate is trusted: by the machine's own trust store, or by one
/// certificate given, the cluster's own (a self-signed one all silos share) or the authority that issued it.
/// </summary>
public static class CertificateTrust
{
    /// <summary>Whether <paramref name="remote"/> is trusted.</summary>
    /// <param name="remote">The certificate the other end presented.</param>
    /// <param name="errors">What TLS found wrong with it against the machine's trust store.</param>
    /// <param name="trusted">The certificate given to trust (the cluster's, or its authority's); null: the machine's store alone.</param>
    public static bool Accepts(X509Certificate2 remote, SslPolicyErrors errors, X509Certificate2? trusted)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        return trusted is not null && IssuedBy(remote, trusted);
    }

    /// <summary>
    /// Whether <paramref name="remote"/> is <paramref name="authority"/> itself or was issued by it: a chain to it alone, as
    /// its own root, whatever the machine's trust store says (a certificate any public authority issued is not enough).
    /// </summary>
    public static bool IssuedBy(X509Certificate2 remote, X509Certificate2 authority)
    {
        if (remote.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span))
        {
            return true;
        }

        // No revocation list to reach.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(remote);
    }

    /// <summary>A certificate file (PEM or DER) to trust.</summary>
    /// <exception cref="ArgumentException">The file cannot be read as a certificate (the message says why).</exception>
    public static X509Certificate2 Load(string path)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"'{path}' cannot be read as a certificate (PEM or DER): {ex.Message}", ex);
        }
    }
}
