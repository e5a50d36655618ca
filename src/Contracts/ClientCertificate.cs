using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orion.Contracts;

/// <summary>
/// The certificate a client or a node daemon presents to silos that require one (<c>Orion:Tls:ClientTrust</c>): it must
/// come with its private key, to prove it is the holder's.
/// </summary>
public static class ClientCertificate
{
    /// <summary>A PEM certificate with its PEM key file, or (no key file) a PKCS#12 file without a password.</summary>
    /// <exception cref="ArgumentException">The files cannot be read as a certificate with its key (the message says why).</exception>
    public static X509Certificate2 Load(string path, string? keyPath)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = keyPath is { Length: > 0 }
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException(keyPath is { Length: > 0 }
                ? $"'{path}' with key '{keyPath}' cannot be read as a PEM certificate and its key: {ex.Message.Split(" (Parameter")[0]}"
                : $"'{path}' cannot be read as a PKCS#12 file without a password (give a PEM certificate with its key file instead): {ex.Message}", ex);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new ArgumentException($"'{path}' must come with its private key, and has none");
        }

        return certificate;
    }
}
