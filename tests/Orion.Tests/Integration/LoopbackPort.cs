using System.Net;
using System.Net.Sockets;

namespace Orion.Tests.Integration;

/// <summary>Free TCP ports on the loopback address, for the processes the tests start.</summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
