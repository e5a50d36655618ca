using Orion.Client;
using Orion.Contracts;
using Orion.Tests.Security;

namespace Orion.Tests.Integration;

/// <summary>A silo process whose Orleans connections are TLS: the CLI, the SDK and a daemon process reach it trusting its certificate.</summary>
public sealed class TlsProcessTests
{
    [Fact]
    public async Task Clients_and_daemons_that_trust_the_silos_certificate_reach_it_and_others_do_not()
    {
        using var certificate = TestCertificates.SelfSigned("orion-cluster");
        using var stranger = TestCertificates.SelfSigned("orion-cluster");
        var (pfx, pem) = TestCertificates.Write(certificate);
        var (_, strangerPem) = TestCertificates.Write(stranger);
        await using var silo = SiloProcess.Start("--Orion:Embedded:Enabled=false", $"--Orion:Tls:Certificate={pfx}");
        await using var daemon = DaemonProcess.Start("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--node", "tls-1", "--gpus", "1xA100-80GB", "--tls-trust", pem);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));

        // The daemon joined over TLS; the SDK reads it the same way.
        await using (var client = await OrionClient.ConnectAsync(new OrionClientOptions { GatewayPort = silo.GatewayPort, TrustedCertificate = CertificateTrust.Load(pem) }))
        {
            Assert.Equal("dc1/tls-1", Assert.Single((await client.GetPoolAsync()).Nodes).NodeId);
        }

        var trusting = await LiveSilo.RunCliAsync("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--tls-trust", pem, "nodes", "--json");
        Assert.True(trusting.ExitCode == 0, trusting.ToString());
        Assert.Contains("dc1/tls-1", trusting.Out);

        // Plain TCP, or TLS trusting another certificate: no connection.
        var plain = await LiveSilo.RunCliAsync("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--timeout", "5", "nodes");
        Assert.Equal(3, plain.ExitCode);
        var wrong = await LiveSilo.RunCliAsync("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--timeout", "5", "--tls-trust", strangerPem, "nodes");
        Assert.Equal(3, wrong.ExitCode);
        Assert.StartsWith("orion: cannot reach the cluster", wrong.Error);
        Directory.Delete(Path.GetDirectoryName(pfx)!, recursive: true);
        Directory.Delete(Path.GetDirectoryName(strangerPem)!, recursive: true);
    }
}
