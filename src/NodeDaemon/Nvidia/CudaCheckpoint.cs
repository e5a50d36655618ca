using System.Runtime.InteropServices;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>
/// The CUDA driver's process checkpoint API (libcuda.so.1, driver 570+): an outside process locks a CUDA process
/// (its CUDA calls block), checkpoints it (its device memory goes to host RAM and its device handles are released),
/// restores it (memory back) and unlocks it. Results are <c>CUresult</c>s, 0 on success.
/// </summary>
internal static partial class CudaCheckpoint
{
    public const string Library = "libcuda.so.1";

    public const int Success = 0;

    /// <summary>CUDA_ERROR_NOT_INITIALIZED: the process never initialised CUDA.</summary>
    public const int NotInitialized = 3;

    /// <summary>CUDA_ERROR_NOT_FOUND: no CUDA process with that id.</summary>
    public const int NotFound = 500;

    /// <summary>CUprocessState.</summary>
    public enum ProcessState
    {
        Running = 0,
        Locked = 1,
        Checkpointed = 2,
        Failed = 3,
    }

    /// <summary>CUcheckpointLockArgs: a timeout, the rest reserved and zero.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    public struct LockArgs
    {
        public uint TimeoutMs;
    }

    [LibraryImport(Library, EntryPoint = "cuInit")]
    public static partial int Init(uint flags);

    [LibraryImport(Library, EntryPoint = "cuGetErrorString")]
    public static partial int GetErrorString(int result, out IntPtr text);

    [LibraryImport(Library, EntryPoint = "cuCheckpointProcessGetState")]
    public static partial int GetState(int pid, out ProcessState state);

    [LibraryImport(Library, EntryPoint = "cuCheckpointProcessLock")]
    public static partial int Lock(int pid, in LockArgs args);

    [LibraryImport(Library, EntryPoint = "cuCheckpointProcessCheckpoint")]
    public static partial int Checkpoint(int pid, IntPtr args);

    [LibraryImport(Library, EntryPoint = "cuCheckpointProcessRestore")]
    public static partial int Restore(int pid, IntPtr args);

    [LibraryImport(Library, EntryPoint = "cuCheckpointProcessUnlock")]
    public static partial int Unlock(int pid, IntPtr args);

    /// <summary>The driver's text for a result code.</summary>
    public static string Describe(int result) =>
        GetErrorString(result, out var text) == Success ? Marshal.PtrToStringUTF8(text) ?? $"CUDA error {result}" : $"CUDA error {result}";
}
