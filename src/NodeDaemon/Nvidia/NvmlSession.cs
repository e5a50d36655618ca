namespace Orion.NodeDaemon.Nvidia;

/// <summary>NVML started for one piece of work and shut down after it (NVML counts its starts, so sessions nest).</summary>
internal readonly struct NvmlSession : IDisposable
{
    /// <summary>Starts NVML; <paramref name="purpose"/> says in the error what it was needed for.</summary>
    /// <exception cref="BackendException">NVML is missing or cannot start.</exception>
    public static NvmlSession Open(string purpose)
    {
        int started;
        try
        {
            started = Nvml.Init();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new BackendException($"NVML ({Nvml.Library}) could not be loaded {purpose}; is the NVIDIA driver installed? {ex.Message}");
        }

        Nvml.Check(started, "start");
        return default;
    }

    public void Dispose() => Nvml.Shutdown();
}
