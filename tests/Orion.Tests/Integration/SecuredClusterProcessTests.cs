using System.Net;
using System.Text.Json;
using Orion.Contracts;
using Orion.Tests.Security;

namespace Orion.Tests.Integration;

/// <summary>
/// The shape a pool across machines takes: two silo processes clustered through a real Redis, TLS between everything,
/// tokens required, the silos' own calls carrying the shared cluster secret, and a daemon process joining with its
/// node's token. A token issued through one silo is taken by the other at once.
/// </summary>
public sealed class SecuredClusterProcessTests
{
    [Fact]
    public async Task A_token_issued_through_one_silo_runs_work_through_the_other_over_tls_and_a_revocation_reaches_both()
    {
        using var certificate = TestCertificates.SelfSigned("orion-cluster");
        var (pfx, pem) = TestCertificates.Write(certificate);
        var admin = AccessToken.New();
        var node = AccessToken.New();
        await using var redis = await RedisServer.StartAsync();
        string[] common =
        [
            $"--Orion:Redis:ConnectionString={redis.ConnectionString}", "--Orion:Silo:ClusterId=secured", "--Orion:Embedded:Enabled=false",
            $"--Orion:Tls:Certificate={pfx}", "--Orion:Access:Required=true", "--Orion:Access:ClusterSecret=a secret both silos of this cluster share",
            "--Orion:Access:Tokens:0:Name=ops", "--Orion:Access:Tokens:0:Role=admin", $"--Orion:Access:Tokens:0:Sha256={AccessToken.Hash(admin)}",
            "--Orion:Access:Tokens:1:Name=fleet", "--Orion:Access:Tokens:1:Role=node", $"--Orion:Access:Tokens:1:Sha256={AccessToken.Hash(node)}",
        ];
        await using var first = SiloProcess.Start(common);
        await using var second = SiloProcess.Start(common);
        await using var daemon = DaemonProcess.Start(
            "--gateway", $"127.0.0.1:{first.GatewayPort}", "--cluster-id", "secured", "--node", "s0", "--gpus", "1xA100-80GB", "--tls-trust", pem, "--token", node);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await first.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
            await second.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\ndaemon: {daemon.Output}", ex);
        }
        Task<CliRun> Cli(SiloProcess through, string token, params string[] args) =>
            LiveSilo.RunCliAsync([.. new[] { "--gateway", $"127.0.0.1:{through.GatewayPort}", "--cluster-id", "secured", "--tls-trust", pem, "--token", token }, .. args]);

        var issue = await Cli(first, admin, "token", "issue", "--role", "tenant", "--tenant", "search", "--name", "search-ci", "--json");
        Assert.True(issue.ExitCode == 0, issue.ToString());
        string token;
        using (var issued = JsonDocument.Parse(issue.Out))
        {
            token = issued.RootElement.GetProperty("token").GetString()!;
        }

        // Through the other silo at once: who it is, and a task of its tenant run by the daemon (a start the silos pass
        // between them with their secret), over TLS throughout.
        Assert.Equal("token 'search-ci' (tenant search)", (await Cli(second, token, "whoami")).Out.Trim());
        var submit = await Cli(second, token, "submit", "-q", "--tenant", "search", "--compute", "50", "--memory", "1GiB", "--items", "2", "--ms-per-item", "50");
        Assert.True(submit.ExitCode == 0, submit.ToString());
        var id = submit.Out.Trim();
        CliRun? done = null;
        for (var i = 0; i < 120 && done?.Out.Contains("Completed", StringComparison.Ordinal) != true; i++)
        {
            await Task.Delay(250);
            done = await Cli(first, token, "get", id);
        }

        Assert.Contains("Completed", done!.Out);
        Assert.Contains("dc1/s0", done.Out);
        var ads = await Cli(second, token, "submit", "--tenant", "ads", "--compute", "10", "--memory", "1GiB");
        Assert.Equal(1, ads.ExitCode);
        Assert.Contains("with a spec of tenant ads", ads.Error);

        // The web side of either silo takes it too.
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(second.BaseAddress, "/api/access")))
        {
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Revoked through the second: both refuse it within a second.
        Assert.Equal(0, (await Cli(second, admin, "token", "revoke", "search-ci")).ExitCode);
        foreach (var silo in new[] { first, second })
        {
            var whoami = await Cli(silo, token, "whoami");
            for (var i = 0; i < 20 && whoami.ExitCode == 0; i++)
            {
                await Task.Delay(250);
                whoami = await Cli(silo, token, "whoami");
            }

            Assert.Equal(1, whoami.ExitCode);
            Assert.Contains("needs an access token", whoami.Error);
        }

        Directory.Delete(Path.GetDirectoryName(pfx)!, recursive: true);
    }
}
