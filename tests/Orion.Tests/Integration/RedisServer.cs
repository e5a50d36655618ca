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

    public static async Task<RedisServer> StartAsync()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var server = new RedisServer(ChildProcess.Run("redis-server", ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]), port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
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
