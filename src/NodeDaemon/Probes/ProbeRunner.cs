using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Orion.Contracts;

namespace Orion.NodeDaemon.Probes;

/// <summary>
/// Makes one probe of a run: an HTTP GET or a TCP connection on the node's loopback, or a command, within the probe's timeout. Answers null
/// when it passed, else why it failed in words.
/// </summary>
public sealed class ProbeRunner : IDisposable
{
    // The loopback only, never through a proxy, and no redirects: a probe checks the run's own server.
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    // gRPC's channel over HTTP/2 without TLS (h2c), shared by every gRPC probe: the loopback only, never through a proxy.
    private readonly SocketsHttpHandler grpcHandler = new() { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) };

    /// <summary>The most of a failed command's output a failure carries.</summary>
    public const int MaxOutput = 200;

    /// <summary>Makes <paramref name="probe"/> of <paramref name="launch"/>'s run: null when it passed, else why not.</summary>
    public async Task<string?> CheckAsync(HealthProbe probe, TaskLaunch launch, CancellationToken cancellationToken)
    {
        // Real time, as Orleans' own response timeouts: it bounds how long a real server or process takes to answer.
        using var timeout = new CancellationTokenSource(probe.Timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            return probe.Port is { } port
                ? probe.Tcp ? await ConnectAsync(port, probe.Target, either.Token)
                    : probe.Grpc ? await CheckGrpcAsync(port, probe.Service, probe.Target, either.Token)
                    : await GetAsync(port, probe.Path ?? "/", probe.Target, either.Token)
                : await RunAsync(probe.Command!, launch.Workload, either.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return $"{(probe.Port is null ? $"`{probe.Command}`" : probe.Target)} gave no answer within {Durations.Format(probe.Timeout)}";
        }
    }

    private async Task<string?> GetAsync(int port, string path, string target, CancellationToken cancellationToken)
    {
        try
        {
            using var answer = await http.GetAsync(new Uri($"http://{IPAddress.Loopback}:{port}{path}"), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)answer.StatusCode;
            return status is >= 200 and < 400 ? null : $"{target} answered {status}";
        }
        catch (HttpRequestException ex)
        {
            return $"{target}: {ex.Message}";
        }
    }

    private async Task<string?> CheckGrpcAsync(int port, string? service, string target, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress($"http://{IPAddress.Loopback}:{port}", new GrpcChannelOptions { HttpHandler = grpcHandler, DisposeHttpClient = false, ThrowOperationCanceledOnCancellation = true });
        try
        {
            var answer = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service ?? "" }, cancellationToken: cancellationToken);
            return answer.Status == HealthCheckResponse.Types.ServingStatus.Serving ? null : $"{target} answered {answer.Status}";
        }
        catch (RpcException ex)
        {
            return $"{target}: {ex.StatusCode}{(string.IsNullOrEmpty(ex.Status.Detail) ? "" : $" ({ex.Status.Detail})")}";
        }
    }

    private static async Task<string?> ConnectAsync(int port, string target, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return null;
        }
        catch (SocketException ex)
        {
            return $"{target}: {ex.Message}";
        }
    }

    private static async Task<string?> RunAsync(string command, WorkloadSpec workload, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        foreach (var (name, value) in workload.Environment ?? [])
        {
            info.Environment[name] = value;
        }

        if (workload.WorkingDirectory is { } directory && Directory.Exists(directory))
        {
            info.WorkingDirectory = directory;
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"`{command}` could not start: {ex.Message}";
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            // Its output too: a child left in the background holds the pipes open past the command's exit.
            await process.WaitForExitAsync(cancellationToken);
            await Task.WhenAll(output, errors).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // A command that hangs must not outlive its probe (nor pile up, one a period).
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode == 0)
        {
            return null;
        }

        var said = LastLine(await errors) ?? LastLine(await output);
        return $"`{command}` exited with {process.ExitCode}{(said is null ? "" : $": {said}")}";
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() is { } line
            ? line.Length > MaxOutput ? line[..MaxOutput] + "…" : line
            : null;

    public void Dispose()
    {
        http.Dispose();
        grpcHandler.Dispose();
    }
}
