using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Orion.Tests.Integration;

/// <summary>Free TCP ports on the loopback address, for the processes the tests start.</summary>
public static class LoopbackPort
{
    // Below the kernel's ephemeral range (32768 and up here) and above the silo's defaults (5000, 11111): a port the kernel
    // hands out for port 0 can be taken, before the process binds it, as the local end of any outgoing connection (seen:
    // a test silo failing with "address already in use").
    private const int Lowest = 12_000;
    private const int Highest = 29_999;

    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    public static int Free()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, Highest + 1);
            if (!HandedOut.TryAdd(port, true))
            {
                continue;
            }

            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use by something else on this machine: try another.
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest}");
    }
}
