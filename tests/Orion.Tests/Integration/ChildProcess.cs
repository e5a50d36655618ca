using System.Diagnostics;
using System.Text;

namespace Orion.Tests.Integration;

/// <summary>One of the project's built executables run as a real process, with its output kept for assertions.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private int disposed;

    private ChildProcess(Process process)
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

    public int Id => process.Id;

    public int ExitCode => process.ExitCode;

    /// <summary>Starts <c>dotnet src/PROJECT/bin/.../DLL args</c> from the build beside this test build.</summary>
    public static ChildProcess Start(string project, string dll, IEnumerable<string> args)
    {
        var dir = BuildOutput(project, dll);
        return Run("dotnet", [Path.Combine(dir, dll), .. args], dir);
    }

    /// <summary>Starts any program (a Debian package's server, say).</summary>
    public static ChildProcess Run(string fileName, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var child = new ChildProcess(Process.Start(info)!);
        child.process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child.process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child.process.BeginOutputReadLine();
        child.process.BeginErrorReadLine();
        return child;
    }

    public async Task WaitForExitAsync(TimeSpan patience)
    {
        using var cts = new CancellationTokenSource(patience);
        await process.WaitForExitAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>A project's build output beside this test build (same configuration).</summary>
    internal static string BuildOutput(string project, string dll)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var dir = Path.Combine(RepositoryRoot(), "src", project, "bin", here.Parent!.Name, here.Name);
        return File.Exists(Path.Combine(dir, dll)) ? dir : throw new FileNotFoundException("build the solution first", Path.Combine(dir, dll));
    }

    /// <summary>The checkout this test build is in (the folder with Orion.sln).</summary>
    internal static string RepositoryRoot()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Orion.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new DirectoryNotFoundException("Orion.sln not found above " + here);
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
