namespace Orion.Tests.Integration;

/// <summary>The node daemon executable, started as its own process against a silo's gateway.</summary>
public static class DaemonProcess
{
    public static ChildProcess Start(params string[] args) => ChildProcess.Start("NodeDaemon", "Orion.NodeDaemon.dll", args);
}
