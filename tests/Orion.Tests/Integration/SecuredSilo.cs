using Orion.Client;
using Orion.Contracts;

namespace Orion.Tests.Integration;

/// <summary>
/// A silo process that requires access tokens and keeps its tenants apart (<c>Orion:Access:TenantReads</c> Own), without
/// daemons of its own, and one node daemon process (dc1/gpu-1) that joins it with its node's token.
/// </summary>
public sealed class SecuredSilo : IAsyncLifetime
{
    public string Admin { get; } = AccessToken.New();

    public string Search { get; } = AccessToken.New();

    public string Ads { get; } = AccessToken.New();

    public string NodeToken { get; } = AccessToken.New();

    public string Viewer { get; } = AccessToken.New();

    /// <summary>A viewer's token in the settings that expired on 2026-01-01.</summary>
    public string Expired { get; } = AccessToken.New();

    public SiloProcess Silo { get; private set; } = null!;

    public ChildProcess Daemon { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public Uri Url(string path) => new(Silo.BaseAddress, path);

    public async ValueTask InitializeAsync()
    {
        Silo = SiloProcess.Start(
            "--Orion:Embedded:Enabled=false", "--Orion:Monitor:RefreshInterval=00:00:00.2",
            "--Orion:Access:Required=true", "--Orion:Access:TenantReads=Own",
            "--Orion:Access:Tokens:0:Name=ops", "--Orion:Access:Tokens:0:Role=admin", $"--Orion:Access:Tokens:0:Sha256={AccessToken.Hash(Admin)}",
            "--Orion:Access:Tokens:1:Name=search-ci", "--Orion:Access:Tokens:1:Role=tenant", "--Orion:Access:Tokens:1:Tenant=search",
            $"--Orion:Access:Tokens:1:Sha256={AccessToken.Hash(Search)}",
            "--Orion:Access:Tokens:2:Name=gpu-1", "--Orion:Access:Tokens:2:Role=node", "--Orion:Access:Tokens:2:Node=dc1/gpu-1",
            $"--Orion:Access:Tokens:2:Sha256={AccessToken.Hash(NodeToken)}",
            "--Orion:Access:Tokens:3:Name=grafana", "--Orion:Access:Tokens:3:Role=viewer", $"--Orion:Access:Tokens:3:Sha256={AccessToken.Hash(Viewer)}",
            "--Orion:Access:Tokens:4:Name=old-ci", "--Orion:Access:Tokens:4:Role=viewer", $"--Orion:Access:Tokens:4:Sha256={AccessToken.Hash(Expired)}",
            "--Orion:Access:Tokens:4:Expires=2026-01-01T00:00:00Z",
            "--Orion:Access:Tokens:5:Name=ads-ci", "--Orion:Access:Tokens:5:Role=tenant", "--Orion:Access:Tokens:5:Tenant=ads",
            $"--Orion:Access:Tokens:5:Sha256={AccessToken.Hash(Ads)}");
        Daemon = StartDaemon("gpu-1");
        await Silo.WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
    }

    /// <summary>A daemon process of one card named <paramref name="node"/>, with the token of node gpu-1.</summary>
    public ChildProcess StartDaemon(string node) =>
        DaemonProcess.Start("--gateway", $"127.0.0.1:{Silo.GatewayPort}", "--node", node, "--dc", "dc1", "--gpus", "1xA100-80GB", "--token", NodeToken);

    /// <summary>A GET of <paramref name="path"/> with <paramref name="token"/> as its bearer (none when null); dispose the answer.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(path));
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>An SDK client of this silo carrying <paramref name="token"/>.</summary>
    public Task<OrionClient> ConnectAsync(string? token) =>
        OrionClient.ConnectAsync(new OrionClientOptions { GatewayPort = Silo.GatewayPort, WatchPollInterval = TimeSpan.FromSeconds(1), Token = token });

    /// <summary>Runs the real <c>orion</c> CLI against this silo.</summary>
    public Task<CliRun> CliAsync(params string[] args) => LiveSilo.RunCliAsync(["--gateway", $"127.0.0.1:{Silo.GatewayPort}", .. args]);

    public async ValueTask DisposeAsync()
    {
        await Daemon.DisposeAsync();
        await Silo.DisposeAsync();
        Http.Dispose();
    }
}
