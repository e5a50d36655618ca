using Microsoft.Extensions.DependencyInjection;
using Orion.Contracts;
using Orion.Tests.Security;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>Silos whose Orleans connections are TLS, to their client and to each other.</summary>
public sealed class TlsClusterTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Silos_sharing_a_certificate_place_and_call_each_other_over_tls(bool clientCertificates)
    {
        using var certificate = TestCertificates.SelfSigned("orion-cluster");
        var (pfx, pem) = TestCertificates.Write(certificate);

        // Required, client certificates come from their own authority: the silos still take each other's, the cluster's.
        var (clients, issued) = TestCertificates.Issued("orion-client");
        using var _ = clients;
        using var __ = issued;
        var (clientsPfx, clientsPem) = TestCertificates.Write(clients);
        var settings = new Dictionary<string, string?> { ["Orion:Tls:Certificate"] = pfx };
        if (clientCertificates)
        {
            settings["Orion:Tls:ClientTrust"] = clientsPem;
        }

        try
        {
            await using var pool = await StartAsync(
                [Node("n0", gpus: 1)], extraSettings: settings, clientTrust: CertificateTrust.Load(pem), clientCertificate: clientCertificates ? issued : null);
            var second = await pool.StartSiloAsync("dc2");

            // From the second silo to node dc1/n0's grain, which lives on the first (dc1): a silo-to-silo call.
            var grains = pool.Cluster.GetSiloServiceProvider(second).GetRequiredService<IGrainFactory>();
            Assert.Equal("over tls", (await grains.GetGrain<INodeGrain>("dc1/n0").Cordon("over tls"))!.CordonReason);

            // And the client's: a task placed and run through the TLS gateway.
            await pool.Client.UncordonAsync("dc1/n0");
            await pool.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1_000), "t");
            await pool.WaitForAsync("t", TaskState.Running);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(pfx)!, recursive: true);
            Directory.Delete(Path.GetDirectoryName(clientsPfx)!, recursive: true);
        }
    }
}
