using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orion.Tests.Integration;

/// <summary>The real silo executable, started as its own process on free loopback ports.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SiloProcess(Process process, int httpPort, int gatewayPort)
    {
        this.process = process;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
    }

    public int HttpPort { get; }

    public int GatewayPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static SiloProcess Start(params string[] extraArgs)
    {
        var (http, silo, gateway) = (FreePort(), FreePort(), FreePort());
        var dir = SiloDirectory();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            Path.Combine(dir, "Orion.Silo.dll"), "--urls", $"http://127.0.0.1:{http}",
            $"--Orion:Silo:SiloPort={silo}", $"--Orion:Silo:GatewayPort={gateway}",
        }.Concat(extraArgs))
        {
            info.ArgumentList.Add(a);
        }

        var p = Process.Start(info)!;
        var sp = new SiloProcess(p, http, gateway);
        p.OutputDataReceived += (_, e) => sp.Append(e.Data);
        p.ErrorDataReceived += (_, e) => sp.Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return sp;
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

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string SiloDirectory() => BuildOutput("Silo", "Orion.Silo.dll");

    /// <summary>A project's build output beside this test build (same configuration).</summary>
    internal static string BuildOutput(string project, string dll)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Orion.sln")))
        {
            root = root.Parent;
        }

        var dir = Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("Orion.sln not found above " + here), "src", project, "bin", configuration, framework);
        return File.Exists(Path.Combine(dir, dll)) ? dir : throw new FileNotFoundException("build the solution first", Path.Combine(dir, dll));
    }
}
