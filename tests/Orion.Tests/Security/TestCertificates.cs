using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orion.Tests.Security;

/// <summary>Certificates made for a test (never checked in): self-signed ones, an authority and one it issued.</summary>
public static class TestCertificates
{
    /// <summary>A self-signed certificate with its key, for 127.0.0.1 and localhost.</summary>
    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(name, key);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>An authority, and a certificate with its key that the authority issued.</summary>
    public static (X509Certificate2 Authority, X509Certificate2 Issued) Issued(string name)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name} authority", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var authority = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(name, key);
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return (authority, issued.CopyWithPrivateKey(key));
    }

    /// <summary>The certificate and its key as a PKCS#12 file, and the certificate alone as a PEM file, in a new folder.</summary>
    public static (string Pfx, string Pem) Write(X509Certificate2 certificate)
    {
        var folder = Directory.CreateTempSubdirectory("orion-tls-").FullName;
        var pfx = Path.Combine(folder, "silo.pfx");
        var pem = Path.Combine(folder, "silo.pem");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12));
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        return (pfx, pem);
    }

    /// <summary>The certificate and its private key as two PEM files, in a new folder.</summary>
    public static (string Certificate, string Key) WritePem(X509Certificate2 certificate)
    {
        var folder = Directory.CreateTempSubdirectory("orion-tls-").FullName;
        var (path, key) = (Path.Combine(folder, "client.pem"), Path.Combine(folder, "client.key"));
        File.WriteAllText(path, certificate.ExportCertificatePem());
        using var privateKey = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(key, privateKey.ExportPkcs8PrivateKeyPem());
        return (path, key);
    }

    private static CertificateRequest Request(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new("1.3.6.1.5.5.7.3.1"), new("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
        return request;
    }
}
