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

    [Fact]
    public async Task A_silo_that_requires_client_certificates_lets_in_those_its_client_authority_issued_and_no_others()
    {
        using var cluster = TestCertificates.SelfSigned("orion-cluster");
        var (clients, issued) = TestCertificates.Issued("orion-client");
        using var _ = clients;
        using var __ = issued;
        using var stranger = TestCertificates.SelfSigned("orion-client");
        var (pfx, pem) = TestCertificates.Write(cluster);
        var (clientsPfx, clientsPem) = TestCertificates.Write(clients);
        var (certificate, key) = TestCertificates.WritePem(issued);
        var (strangerCertificate, strangerKey) = TestCertificates.WritePem(stranger);
        await using var silo = SiloProcess.Start("--Orion:Embedded:Enabled=false", $"--Orion:Tls:Certificate={pfx}", $"--Orion:Tls:ClientTrust={clientsPem}");
        await using var daemon = DaemonProcess.Start(
            "--gateway", $"127.0.0.1:{silo.GatewayPort}", "--node", "mtls-1", "--gpus", "1xA100-80GB", "--tls-trust", pem, "--tls-cert", certificate, "--tls-key", key);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));

        // The daemon joined presenting the certificate the clients' authority issued; the SDK reads it the same way.
        var options = new OrionClientOptions { GatewayPort = silo.GatewayPort, TrustedCertificate = CertificateTrust.Load(pem), ClientCertificate = ClientCertificate.Load(certificate, key) };
        await using (var client = await OrionClient.ConnectAsync(options))
        {
            Assert.Equal("dc1/mtls-1", Assert.Single((await client.GetPoolAsync()).Nodes).NodeId);
        }

        var presenting = await LiveSilo.RunCliAsync("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--tls-trust", pem, "--tls-cert", certificate, "--tls-key", key, "nodes", "--json");
        Assert.True(presenting.ExitCode == 0, presenting.ToString());
        Assert.Contains("dc1/mtls-1", presenting.Out);

        // No certificate, or one another authority issued (the cluster's own trust passes, it is not a client's): no connection.
        var none = await LiveSilo.RunCliAsync("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--timeout", "5", "--tls-trust", pem, "nodes");
        Assert.Equal(3, none.ExitCode);
        Assert.StartsWith("orion: cannot reach the cluster", none.Error);
        var foreign = await LiveSilo.RunCliAsync(
            "--gateway", $"127.0.0.1:{silo.GatewayPort}", "--timeout", "5", "--tls-trust", pem, "--tls-cert", strangerCertificate, "--tls-key", strangerKey, "nodes");
        Assert.Equal(3, foreign.ExitCode);

        // A key without its certificate, or a certificate that cannot be read: refused before any connection, by name.
        var keyAlone = await LiveSilo.RunCliAsync("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--tls-trust", pem, "--tls-key", key, "nodes");
        Assert.Equal(2, keyAlone.ExitCode);
        Assert.Contains("--tls-key: is the key of --tls-cert, which is not given", keyAlone.Error);
        var unreadable = await LiveSilo.RunCliAsync("--gateway", $"127.0.0.1:{silo.GatewayPort}", "--tls-cert", pem, "nodes");
        Assert.Equal(2, unreadable.ExitCode);
        Assert.Contains($"--tls-cert: '{pem}' cannot be read as a PKCS#12 file", unreadable.Error);
        foreach (var file in new[] { pfx, clientsPfx, certificate, strangerCertificate })
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task The_page_and_api_over_https_sign_in_with_a_secure_cookie()
    {
        using var certificate = TestCertificates.SelfSigned("orion-web");
        var (pfx, _) = TestCertificates.Write(certificate);
        var admin = AccessToken.New();
        var port = LoopbackPort.Free();
        await using var silo = SiloProcess.Start(
            "--urls", $"https://127.0.0.1:{port}", $"--Kestrel:Certificates:Default:Path={pfx}",
            "--Orion:Access:Required=true", "--Orion:Access:Tokens:0:Name=ops", "--Orion:Access:Tokens:0:Role=admin", $"--Orion:Access:Tokens:0:Sha256={AccessToken.Hash(admin)}");
        var thumbprint = certificate.Thumbprint;
        using var handler = new HttpClientHandler
        {
            // Trusts this certificate only: the one the silo was given.
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == thumbprint,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        using var https = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        string? health = null;
        for (var i = 0; i < 450 && health != "Healthy"; i++)
        {
            try
            {
                health = await https.GetStringAsync("/health");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        Assert.True(health == "Healthy", silo.Output);
        using var signIn = await https.PostAsync("/login", new FormUrlEncodedContent([new("token", admin)]));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("orion-token=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/access");
        request.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var access = await https.SendAsync(request);
        Assert.Contains("\"name\":\"ops\"", await access.Content.ReadAsStringAsync());
        Directory.Delete(Path.GetDirectoryName(pfx)!, recursive: true);
    }
}
