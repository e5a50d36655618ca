namespace Orion.NodeDaemon.Nvidia;

/// <summary>The CUDA driver as the checkpoint calls need it: started once, its failures as <see cref="BackendException"/>s.</summary>
internal static class CudaDriver
{
    private static readonly Lazy<int> Started = new(() =>
    {
        try
        {
            return CudaCheckpoint.Init(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new BackendException($"the CUDA driver ({CudaCheckpoint.Library}, 570 or later) could not be loaded, so GPU memory cannot move to host: {ex.Message}");
        }
    });

    public static void EnsureStarted()
    {
        var result = Started.Value;
        if (result != CudaCheckpoint.Success)
        {
            throw new BackendException($"the CUDA driver could not start: {CudaCheckpoint.Describe(result)}");
        }
    }

    /// <summary>A CUDA process's checkpoint state.</summary>
    public static CudaCheckpoint.ProcessState StateOf(int pid)
    {
        try
        {
            Check(CudaCheckpoint.GetState(pid, out var state), $"read the checkpoint state of process {pid}");
            return state;
        }
        catch (EntryPointNotFoundException ex)
        {
            throw new BackendException($"the CUDA driver has no checkpoint API (driver 570 or later needed): {ex.Message}");
        }
    }

    public static void Check(int result, string what)
    {
        if (result != CudaCheckpoint.Success)
        {
            throw new BackendException($"the CUDA driver could not {what}: {CudaCheckpoint.Describe(result)}");
        }
    }
}
