using System.Diagnostics;
using System.Text;

namespace Orion.Tests.Integration;

/// <summary>The node daemon executable, started as its own process against a silo's gateway.</summary>
public sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private DaemonProcess(Process process)
    {
        this.process = process;
    }

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

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public static DaemonProcess Start(params string[] args)
    {
        var dir = SiloProcess.BuildOutput("NodeDaemon", "Orion.NodeDaemon.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(dir, "Orion.NodeDaemon.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var daemon = new DaemonProcess(Process.Start(info)!);
        daemon.process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        daemon.process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        daemon.process.BeginOutputReadLine();
        daemon.process.BeginErrorReadLine();
        return daemon;
    }

    public Task WaitForExitAsync(TimeSpan patience) => process.WaitForExitAsync(new CancellationTokenSource(patience).Token);

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
}
