using System.Net;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Tests.Integration;

namespace Orion.Tests.Probes;

/// <summary>A real gRPC server on the loopback (HTTP/2 without TLS) serving the standard health service, each service's status as the test sets it.</summary>
public sealed class GrpcHealthServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private GrpcHealthServer(WebApplication app, int port, HealthServiceImpl health) => (this.app, Port, Health) = (app, port, health);

    public int Port { get; }

    /// <summary>The health service: <see cref="HealthServiceImpl.SetStatus"/> per service name ("" for the server).</summary>
    public HealthServiceImpl Health { get; }

    public static async Task<GrpcHealthServer> StartAsync()
    {
        var port = LoopbackPort.Free();
        var health = new HealthServiceImpl();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        return new GrpcHealthServer(app, port, health);
    }

    public void Set(string service, HealthCheckResponse.Types.ServingStatus status) => Health.SetStatus(service, status);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
