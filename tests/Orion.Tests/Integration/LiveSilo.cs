using System.Diagnostics;
using Orion.Client;

namespace Orion.Tests.Integration;

/// <summary>
/// One real silo process (2 nodes × 2 cards, node-1 labelled zone=b, node-2 of one card labelled pool=ci and tainted dedicated=ci, and
/// node-3 of one card that is broken; pool read every 200 ms, heartbeats every second) shared by the observability, CLI and browser tests.
/// </summary>
public sealed class LiveSilo : IAsyncLifetime
{
    /// <summary>What broke on node-3's card.</summary>
    public const string BrokenCard = "Xid 79: the GPU has fallen off the bus";

    public SiloProcess Silo { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public OrionClient Client { get; private set; } = null!;

    public Uri Url(string path) => new(Silo.BaseAddress, path);

    public async ValueTask InitializeAsync()
    {
        // Two machines of two cards, listed one by one so that node-1 carries a label; a third that takes only what tolerates its taint;
        // a fourth whose one card is broken, so it takes nothing.
        Silo = SiloProcess.Start(
            "--Orion:Embedded:NodeList:0:Name=node-0", "--Orion:Embedded:NodeList:0:GpuCount=2",
            "--Orion:Embedded:NodeList:1:Name=node-1", "--Orion:Embedded:NodeList:1:GpuCount=2", "--Orion:Embedded:NodeList:1:Labels:zone=b",
            "--Orion:Embedded:NodeList:2:Name=node-2", "--Orion:Embedded:NodeList:2:GpuCount=1", "--Orion:Embedded:NodeList:2:Taints:dedicated=ci",
            "--Orion:Embedded:NodeList:2:Labels:pool=ci",
            "--Orion:Embedded:NodeList:3:Name=node-3", "--Orion:Embedded:NodeList:3:GpuCount=1", $"--Orion:Embedded:NodeList:3:Faults:0={BrokenCard}",
            "--Orion:Monitor:RefreshInterval=00:00:00.2", "--Orion:Embedded:HeartbeatInterval=00:00:01", "--Orion:Pool:DeploymentCheckInterval=00:00:01");
        await Silo.WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        Client = await OrionClient.ConnectAsync(new OrionClientOptions { GatewayPort = Silo.GatewayPort, WatchPollInterval = TimeSpan.FromSeconds(1) });
    }

    /// <summary>Runs the real <c>orion</c> CLI against this silo and returns its exit code and output.</summary>
    public Task<CliRun> CliAsync(params string[] args) => RunCliAsync(null, ["--gateway", $"127.0.0.1:{Silo.GatewayPort}", .. args]);

    /// <summary>As <see cref="CliAsync(string[])"/>, doing <paramref name="whileRunning"/> (given its process id) before waiting for it to exit.</summary>
    public Task<CliRun> CliAsync(Func<int, Task> whileRunning, params string[] args) => RunCliAsync(whileRunning, ["--gateway", $"127.0.0.1:{Silo.GatewayPort}", .. args]);

    public static Task<CliRun> RunCliAsync(params string[] args) => RunCliAsync(null, args);

    /// <summary>Whether this test process ignores SIGINT (0x2, signal 2, in the kernel's <c>SigIgn</c> mask), which its children inherit.</summary>
    private static bool IgnoresInterrupts { get; } = File.ReadAllLines("/proc/self/status")
        .Where(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))
        .Any(l => (Convert.ToUInt64(l["SigIgn:".Length..].Trim(), 16) & 0x2) != 0);

    /// <summary>What the kernel says of a process's signals (ignored, caught, pending, blocked): why a signal went unheeded.</summary>
    private static string SignalState(int pid)
    {
        try
        {
            return string.Join("; ", File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal) || l.StartsWith("ShdPnd", StringComparison.Ordinal) || l.StartsWith("Threads", StringComparison.Ordinal) || l.StartsWith("State", StringComparison.Ordinal)));
        }
        catch (IOException ex)
        {
            return $"no status for process {pid}: {ex.Message}";
        }
    }

    private static async Task<CliRun> RunCliAsync(Func<int, Task>? whileRunning, string[] args)
    {
        // A shell's background job starts with SIGINT ignored, and the CLI, as any .NET process, keeps it so: a test run from
        // one would see the CLI ignore Ctrl+C. It gets the default, as from a terminal (env execs it: the pid stays).
        var info = new ProcessStartInfo(IgnoresInterrupts ? "env" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (IgnoresInterrupts)
        {
            info.ArgumentList.Add("--default-signal=INT");
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(CliPath());
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var (stdout, stderr) = (new System.Text.StringBuilder(), new System.Text.StringBuilder());
        try
        {
            // Read as the text arrives, so a CLI that does not exit still shows what it printed.
            var pumped = Task.WhenAll(Pump(p.StandardOutput, stdout), Pump(p.StandardError, stderr));
            if (whileRunning is not null)
            {
                await whileRunning(p.Id);
            }

            // Its exit, polled: WaitForExitAsync also waits for the pipes to close, and a process another test forks at
            // that moment can hold them open (dotnet/runtime#51277).
            var waited = Stopwatch.StartNew();
            while (!p.HasExited)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"the CLI did not exit in 60 s\n{new CliRun(-1, Text(stdout), Text(stderr))}\n{SignalState(p.Id)}");
                }

                await Task.Delay(20);
            }

            await Task.WhenAny(pumped, Task.Delay(TimeSpan.FromSeconds(5)));
            return new CliRun(p.ExitCode, Text(stdout), Text(stderr));
        }
        finally
        {
            // A CLI that hangs (or a failed whileRunning) must not outlive its test.
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    private static async Task Pump(StreamReader reader, System.Text.StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, read);
            }
        }
    }

    private static string Text(System.Text.StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    /// <summary>The CLI's own build output (same configuration as this test build), with its own dependencies beside it.</summary>
    private static string CliPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Orion.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("Orion.sln not found above " + here), "src", "Cli", "bin", here.Parent!.Name, here.Name, "orion.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the solution first", path);
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        Http.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }
}
