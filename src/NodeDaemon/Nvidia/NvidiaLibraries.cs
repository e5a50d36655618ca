using System.Reflection;
using System.Runtime.InteropServices;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>Where the daemon finds NVML when it is not on the loader's path (a driver mounted elsewhere in a container).</summary>
public static class NvidiaLibraries
{
    private static string? nvmlPath;
    private static int resolving;

    /// <summary>Loads NVML from <paramref name="path"/> for every NVML call not yet bound (before the first, in practice).</summary>
    public static void UseNvml(string path)
    {
        nvmlPath = path;

        // An assembly takes one resolver for its lifetime; a silo started again in the same process keeps it.
        if (Interlocked.Exchange(ref resolving, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(NvidiaLibraries).Assembly, Resolve);
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? search) =>
        name == Nvml.Library && nvmlPath is { } path ? NativeLibrary.Load(path) : IntPtr.Zero;
}
