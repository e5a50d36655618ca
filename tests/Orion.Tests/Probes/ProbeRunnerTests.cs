using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Orion.Contracts;
using Orion.NodeDaemon.Probes;
using Orion.Tests.Cluster;
using Orion.Tests.Integration;

namespace Orion.Tests.Probes;

/// <summary>One probe made for real: HTTP GETs against a server on the loopback, commands run by the shell.</summary>
public sealed class ProbeRunnerTests
{
    private static readonly TaskLaunch Launch = new("web", 1, ["n0-gpu0"], 500, 1024, WorkloadSpec.Service(10, 5));

    [Fact]
    public async Task An_http_probe_passes_on_200_to_399_without_following_a_redirect_and_fails_naming_any_other_status()
    {
        var status = HttpStatusCode.OK;
        await using var server = new HookReceiver(() => status);
        using var runner = new ProbeRunner();
        var probe = HealthProbe.Http(server.Port, "/health?deep=1");
        Assert.Null(await runner.CheckAsync(probe, Launch, CancellationToken.None));
        status = HttpStatusCode.Found;
        Assert.Null(await runner.CheckAsync(probe, Launch, CancellationToken.None));
        status = HttpStatusCode.ServiceUnavailable;
        Assert.Equal($"GET :{server.Port}/health?deep=1 answered 503", await runner.CheckAsync(probe, Launch, CancellationToken.None));
        Assert.Equal(["GET /health", "GET /health", "GET /health"], server.Posts.Select(p => $"{p.Method} {p.Path}"));
    }

    [Fact]
    public async Task An_http_probe_of_a_port_no_one_listens_on_fails_saying_so()
    {
        using var runner = new ProbeRunner();
        var port = LoopbackPort.Free();
        var failure = await runner.CheckAsync(HealthProbe.Http(port), Launch, CancellationToken.None);
        Assert.StartsWith($"GET :{port}/: ", failure);
        Assert.Contains("refused", failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_grpc_probe_passes_on_serving_and_fails_naming_the_status_or_the_rpc_error()
    {
        await using var server = await GrpcHealthServer.StartAsync();
        using var runner = new ProbeRunner();
        var whole = HealthProbe.GrpcHealth(server.Port);
        var model = HealthProbe.GrpcHealth(server.Port, "inference.Model");
        server.Set("", Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        server.Set("inference.Model", Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing);

        Assert.Null(await runner.CheckAsync(whole, Launch, CancellationToken.None));
        Assert.Equal($"gRPC :{server.Port} (inference.Model) answered NotServing", await runner.CheckAsync(model, Launch, CancellationToken.None));
        server.Set("inference.Model", Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        Assert.Null(await runner.CheckAsync(model, Launch, CancellationToken.None));

        // A service the server does not know, and a port where no gRPC server listens.
        var unknown = await runner.CheckAsync(HealthProbe.GrpcHealth(server.Port, "nobody"), Launch, CancellationToken.None);
        Assert.StartsWith($"gRPC :{server.Port} (nobody): NotFound", unknown);
        var closed = LoopbackPort.Free();
        Assert.StartsWith($"gRPC :{closed}: Unavailable", await runner.CheckAsync(HealthProbe.GrpcHealth(closed), Launch, CancellationToken.None));
    }

    [Fact]
    public async Task A_tcp_probe_passes_once_a_connection_is_accepted_and_fails_naming_a_refusal()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var runner = new ProbeRunner();
        try
        {
            var check = runner.CheckAsync(HealthProbe.TcpSocket(port), Launch, CancellationToken.None);
            using var accepted = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
            Assert.Null(await check);
        }
        finally
        {
            listener.Stop();
        }

        var failure = await runner.CheckAsync(HealthProbe.TcpSocket(port), Launch, CancellationToken.None);
        Assert.StartsWith($"TCP :{port}: ", failure);
        Assert.Contains("refused", failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_http_probe_a_server_never_answers_fails_at_its_timeout()
    {
        // Takes the connection, never answers.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            using var runner = new ProbeRunner();
            var check = runner.CheckAsync(HealthProbe.Http(port), Launch, CancellationToken.None);
            Assert.Equal($"GET :{port}/ gave no answer within 1s", await check.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task A_command_probe_passes_on_exit_0_and_fails_naming_its_exit_status_and_its_last_word()
    {
        using var runner = new ProbeRunner();
        Assert.Null(await runner.CheckAsync(HealthProbe.Exec("true"), Launch, CancellationToken.None));
        Assert.Equal("`echo loading; echo 'weights 40% read' >&2; exit 3` exited with 3: weights 40% read",
            await runner.CheckAsync(HealthProbe.Exec("echo loading; echo 'weights 40% read' >&2; exit 3"), Launch, CancellationToken.None));
        Assert.Equal("`echo not yet; exit 1` exited with 1: not yet", await runner.CheckAsync(HealthProbe.Exec("echo not yet; exit 1"), Launch, CancellationToken.None));
    }

    [Fact]
    public async Task A_command_probe_runs_in_a_process_tasks_environment_and_working_directory()
    {
        var directory = Directory.CreateTempSubdirectory("orion-probe-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "ready"), "");
            var process = WorkloadSpec.Process("serve") with
            {
                Environment = ImmutableDictionary<string, string>.Empty.Add("MODEL", "llama"),
                WorkingDirectory = directory.FullName,
            };
            using var runner = new ProbeRunner();
            var probe = HealthProbe.Exec("""test "$MODEL" = llama && test -f ready""");
            Assert.Null(await runner.CheckAsync(probe, Launch with { Workload = process }, CancellationToken.None));
            Assert.NotNull(await runner.CheckAsync(probe, Launch with { Workload = process with { Environment = null } }, CancellationToken.None));
            Assert.NotNull(await runner.CheckAsync(probe, Launch with { Workload = process with { WorkingDirectory = null } }, CancellationToken.None));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_command_that_hangs_fails_at_its_timeout_and_is_killed_with_what_it_started()
    {
        var directory = Directory.CreateTempSubdirectory("orion-probe-");
        try
        {
            var marker = Path.Combine(directory.FullName, "late");
            using var runner = new ProbeRunner();

            // Its child would leave a mark were it not killed with it.
            var check = runner.CheckAsync(HealthProbe.Exec($"(sleep 2; touch {marker}) & sleep 30"), Launch, CancellationToken.None);
            Assert.Equal($"`(sleep 2; touch {marker}) & sleep 30` gave no answer within 1s", await check.WaitAsync(TimeSpan.FromSeconds(30)));
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(File.Exists(marker));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
