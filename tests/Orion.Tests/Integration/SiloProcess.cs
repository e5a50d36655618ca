namespace Orion.Tests.Integration;

/// <summary>The real silo executable, started as its own process on free loopback ports.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly ChildProcess process;

    private SiloProcess(ChildProcess process, int httpPort, int siloPort, int gatewayPort)
    {
        this.process = process;
        SiloPort = siloPort;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
    }

    public int HttpPort { get; }

    public int GatewayPort { get; }

    public int SiloPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public string Output => process.Output;

    public int ExitCode => process.ExitCode;

    public int Id => process.Id;

    public Task WaitForExitAsync(TimeSpan patience) => process.WaitForExitAsync(patience);

    public static SiloProcess Start(params string[] extraArgs)
    {
        var (http, silo, gateway) = (LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free());
        var args = new[] { "--urls", $"http://127.0.0.1:{http}", $"--Orion:Silo:SiloPort={silo}", $"--Orion:Silo:GatewayPort={gateway}" };
        return new SiloProcess(ChildProcess.Start("Silo", "Orion.Silo.dll", args.Concat(extraArgs)), http, silo, gateway);
    }

    /// <summary>Waits until /health answers Healthy (daemons registered).</summary>
    public async Task WaitHealthyAsync(HttpClient http, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"silo exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                var body = await http.GetStringAsync(new Uri(BaseAddress, "/health"));
                if (body == "Healthy")
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"silo not healthy after {patience}:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
