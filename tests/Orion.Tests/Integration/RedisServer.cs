using System.Net;
using System.Net.Sockets;

namespace Orion.Tests.Integration;

/// <summary>A real redis-server (Debian's package) on a free loopback port, for the tests that claim Redis.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess process;

    private RedisServer(ChildProcess process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Where an append-only server keeps its file, so a restart on the same port finds its data.</summary>
    public string? DataDirectory { get; private init; }

    public static Task<RedisServer> StartAsync(bool appendOnly = false, int? port = null, string? dataDirectory = null)
    {
        port ??= LoopbackPort.Free();
        dataDirectory ??= appendOnly ? Directory.CreateTempSubdirectory("orion-redis-").FullName : null;
        string[] args = ["--port", port.ToString()!, "--bind", "127.0.0.1", "--save", ""];
        args = appendOnly ? [.. args, "--appendonly", "yes", "--appendfsync", "always", "--dir", dataDirectory!] : [.. args, "--appendonly", "no"];
        return WaitReadyAsync(new RedisServer(ChildProcess.Run("redis-server", args), port.Value) { DataDirectory = dataDirectory });
    }

    /// <summary>Kills the server outright and starts it again on the same port and data.</summary>
    public async Task<RedisServer> RestartAsync()
    {
        await process.DisposeAsync();
        return await StartAsync(DataDirectory is not null, Port, DataDirectory);
    }

    private static async Task<RedisServer> WaitReadyAsync(RedisServer server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, server.Port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !server.process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
