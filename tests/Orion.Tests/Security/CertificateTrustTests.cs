using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orion.Contracts;

namespace Orion.Tests.Security;

public sealed class CertificateTrustTests
{
    private const SslPolicyErrors Untrusted = SslPolicyErrors.RemoteCertificateChainErrors;

    [Fact]
    public void The_clusters_own_certificate_or_one_its_authority_issued_is_trusted_and_no_other()
    {
        using var cluster = TestCertificates.SelfSigned("orion-cluster");
        using var stranger = TestCertificates.SelfSigned("orion-cluster");
        var (authority, issued) = TestCertificates.Issued("orion");
        using var _ = authority;
        using var __ = issued;

        Assert.True(CertificateTrust.Accepts(cluster, Untrusted, cluster));
        Assert.False(CertificateTrust.Accepts(stranger, Untrusted, cluster));
        Assert.True(CertificateTrust.Accepts(issued, Untrusted, authority));
        Assert.False(CertificateTrust.Accepts(issued, Untrusted, cluster));
        Assert.False(CertificateTrust.Accepts(stranger, Untrusted, authority));
    }

    [Fact]
    public void Issued_by_an_authority_means_the_authority_itself_or_a_chain_to_it_whatever_the_machine_trusts()
    {
        var (authority, issued) = TestCertificates.Issued("orion-client");
        var (other, issuedElsewhere) = TestCertificates.Issued("orion-client");
        using var _ = authority;
        using var __ = issued;
        using var ___ = other;
        using var ____ = issuedElsewhere;
        using var selfSigned = TestCertificates.SelfSigned("orion-client");

        Assert.True(CertificateTrust.IssuedBy(issued, authority));
        Assert.True(CertificateTrust.IssuedBy(authority, authority));
        Assert.False(CertificateTrust.IssuedBy(issuedElsewhere, authority));
        Assert.False(CertificateTrust.IssuedBy(selfSigned, authority));
        Assert.False(CertificateTrust.IssuedBy(authority, issued));
    }

    [Fact]
    public void A_client_certificate_is_read_with_its_key_from_pem_files_or_pkcs12_and_one_without_its_key_is_refused()
    {
        using var client = TestCertificates.SelfSigned("orion-client");
        var (certificate, key) = TestCertificates.WritePem(client);
        var (pfx, pem) = TestCertificates.Write(client);

        using (var fromPem = ClientCertificate.Load(certificate, key))
        {
            Assert.Equal(client.Thumbprint, fromPem.Thumbprint);
            Assert.True(fromPem.HasPrivateKey);
        }

        using (var fromPfx = ClientCertificate.Load(pfx, null))
        {
            Assert.Equal(client.Thumbprint, fromPfx.Thumbprint);
            Assert.True(fromPfx.HasPrivateKey);
        }

        // A certificate alone is no PKCS#12 file; a key that is not the certificate's, or no file, is refused by name.
        Assert.StartsWith($"'{pem}' cannot be read as a PKCS#12 file without a password (give a PEM certificate with its key file instead): ",
            Assert.Throws<ArgumentException>(() => ClientCertificate.Load(pem, null)).Message);
        using var other = TestCertificates.SelfSigned("orion-client");
        var (_, otherKey) = TestCertificates.WritePem(other);
        Assert.StartsWith($"'{certificate}' with key '{otherKey}' cannot be read as a PEM certificate and its key: ",
            Assert.Throws<ArgumentException>(() => ClientCertificate.Load(certificate, otherKey)).Message);
        Assert.StartsWith($"'{certificate}.missing' with key '{key}' cannot be read",
            Assert.Throws<ArgumentException>(() => ClientCertificate.Load(certificate + ".missing", key)).Message);

        // A PKCS#12 file of the certificate without its key.
        var keyless = Path.ChangeExtension(pfx, ".keyless.pfx");
        using (var publicOnly = X509CertificateLoader.LoadCertificate(client.RawData))
        {
            File.WriteAllBytes(keyless, publicOnly.Export(X509ContentType.Pkcs12));
        }

        Assert.Equal($"'{keyless}' must come with its private key, and has none", Assert.Throws<ArgumentException>(() => ClientCertificate.Load(keyless, null)).Message);
        foreach (var folder in new[] { certificate, pfx, otherKey })
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public void What_the_machines_store_trusts_is_trusted_and_without_a_certificate_given_nothing_else()
    {
        using var stranger = TestCertificates.SelfSigned("elsewhere");
        Assert.True(CertificateTrust.Accepts(stranger, SslPolicyErrors.None, null));
        Assert.False(CertificateTrust.Accepts(stranger, Untrusted, null));
        Assert.False(CertificateTrust.Accepts(stranger, SslPolicyErrors.RemoteCertificateNameMismatch, null));
    }

    [Fact]
    public void A_certificate_file_is_read_as_pem_or_der_and_anything_else_is_refused_by_name()
    {
        using var cluster = TestCertificates.SelfSigned("orion-cluster");
        var (pfx, pem) = TestCertificates.Write(cluster);
        var der = Path.ChangeExtension(pem, ".der");
        File.WriteAllBytes(der, cluster.RawData);

        Assert.Equal(cluster.Thumbprint, CertificateTrust.Load(pem).Thumbprint);
        Assert.Equal(cluster.Thumbprint, CertificateTrust.Load(der).Thumbprint);
        var missing = Assert.Throws<ArgumentException>(() => CertificateTrust.Load(pem + ".missing"));
        Assert.StartsWith($"'{pem}.missing' cannot be read as a certificate (PEM or DER): ", missing.Message);
        Assert.DoesNotContain("Parameter", missing.Message);
        File.WriteAllText(der, "not a certificate");
        Assert.Throws<ArgumentException>(() => CertificateTrust.Load(der));
        Directory.Delete(Path.GetDirectoryName(pfx)!, recursive: true);
    }
}
