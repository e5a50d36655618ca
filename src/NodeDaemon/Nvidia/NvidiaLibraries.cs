using System.Reflection;
using System.Runtime.InteropServices;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>Where the daemon finds NVML when it is not on the loader's path (a driver mounted elsewhere in a container).</summary>
public static class NvidiaLibraries
{
    private static string? nvmlPath;

    /// <summary>Loads NVML from <paramref name="path"/> from now on; once per process, before any NVIDIA call.</summary>
    public static void UseNvml(string path)
    {
        nvmlPath = path;
        NativeLibrary.SetDllImportResolver(typeof(NvidiaLibraries).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? search) =>
        name == Nvml.Library && nvmlPath is { } path ? NativeLibrary.Load(path) : IntPtr.Zero;
}
