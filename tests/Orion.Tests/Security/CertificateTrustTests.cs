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
