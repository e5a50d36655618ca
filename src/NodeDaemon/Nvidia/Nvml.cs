using System.Runtime.InteropServices;

namespace Orion.NodeDaemon.Nvidia;

/// <summary>
/// The few NVML calls discovery needs, bound to the driver's libnvidia-ml.so.1 (no managed NVML package is
/// available; the C API is stable across drivers). Every call returns an <c>nvmlReturn_t</c>, 0 on success.
/// </summary>
internal static partial class Nvml
{
    public const string Library = "libnvidia-ml.so.1";

    public const int Success = 0;

    /// <summary>NVML_CLOCK_SM.</summary>
    public const int ClockSm = 1;

    /// <summary>NVML_DEVICE_NAME_V2_BUFFER_SIZE and NVML_DEVICE_UUID_V2_BUFFER_SIZE.</summary>
    public const int TextBuffer = 96;

    [StructLayout(LayoutKind.Sequential)]
    public struct Memory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    /// <summary>NVML_ERROR_INSUFFICIENT_SIZE: the buffer was too small; the count says how large it must be.</summary>
    public const int InsufficientSize = 7;

    /// <summary>nvmlProcessInfo_t (v2 and v3 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ProcessInfo
    {
        public uint Pid;
        public ulong UsedGpuMemory;
        public uint GpuInstanceId;
        public uint ComputeInstanceId;
    }

    /// <summary>nvmlUtilization_t: percent of the last sample period a kernel ran, and memory was read or written.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Utilization
    {
        public uint Gpu;
        public uint Memory;
    }

    /// <summary>NVML_ERROR_NOT_FOUND: here, no sample newer than the time asked.</summary>
    public const int NotFound = 6;

    /// <summary>nvmlProcessUtilizationSample_t: one process's share of a sample period (percent), at a CPU time in µs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ProcessUtilizationSample
    {
        public uint Pid;
        public ulong TimeStamp;
        public uint SmUtil;
        public uint MemUtil;
        public uint EncUtil;
        public uint DecUtil;
    }

    [LibraryImport(Library, EntryPoint = "nvmlInit_v2")]
    public static partial int Init();

    [LibraryImport(Library, EntryPoint = "nvmlShutdown")]
    public static partial int Shutdown();

    [LibraryImport(Library, EntryPoint = "nvmlErrorString")]
    public static partial IntPtr ErrorString(int result);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetCount_v2")]
    public static partial int DeviceGetCount(out uint count);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    public static partial int DeviceGetHandleByIndex(uint index, out IntPtr device);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetName")]
    public static unsafe partial int DeviceGetName(IntPtr device, byte* name, uint length);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetUUID")]
    public static unsafe partial int DeviceGetUuid(IntPtr device, byte* uuid, uint length);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    public static partial int DeviceGetMemoryInfo(IntPtr device, out Memory memory);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetNumGpuCores")]
    public static partial int DeviceGetNumGpuCores(IntPtr device, out uint cores);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetMaxClockInfo")]
    public static partial int DeviceGetMaxClockInfo(IntPtr device, int type, out uint mhz);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetMaxPcieLinkGeneration")]
    public static partial int DeviceGetMaxPcieLinkGeneration(IntPtr device, out uint generation);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetMaxPcieLinkWidth")]
    public static partial int DeviceGetMaxPcieLinkWidth(IntPtr device, out uint width);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetHandleByUUID", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DeviceGetHandleByUuid(string uuid, out IntPtr device);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetComputeRunningProcesses_v3")]
    public static unsafe partial int DeviceGetComputeRunningProcesses(IntPtr device, ref uint count, ProcessInfo* infos);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetUtilizationRates")]
    public static partial int DeviceGetUtilizationRates(IntPtr device, out Utilization utilization);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetProcessUtilization")]
    public static unsafe partial int DeviceGetProcessUtilization(IntPtr device, ProcessUtilizationSample* samples, ref uint count, ulong lastSeenTimeStamp);

    /// <summary>NVML_ERROR_NOT_SUPPORTED: the card has no such feature (no ECC, no row remapper before Ampere).</summary>
    public const int NotSupported = 3;

    /// <summary>NVML_ERROR_GPU_IS_LOST: the card fell off the bus or is otherwise inaccessible.</summary>
    public const int GpuIsLost = 15;

    /// <summary>NVML_MEMORY_ERROR_TYPE_UNCORRECTED.</summary>
    public const int MemoryErrorUncorrected = 1;

    /// <summary>NVML_VOLATILE_ECC: counted since the driver loaded (a reset clears it).</summary>
    public const int VolatileEcc = 0;

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetTotalEccErrors")]
    public static partial int DeviceGetTotalEccErrors(IntPtr device, int errorType, int counterType, out ulong count);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetRemappedRows")]
    public static partial int DeviceGetRemappedRows(IntPtr device, out uint correctableRows, out uint uncorrectableRows, out uint pending, out uint failureOccurred);

    /// <summary>NVML_P2P_CAPS_INDEX_NVLINK.</summary>
    public const int P2PNvLink = 2;

    /// <summary>NVML_P2P_STATUS_OK.</summary>
    public const int P2POk = 0;

    /// <summary>NVML_TOPOLOGY_MULTIPLE: the two cards share a tree of PCIe switches (no host bridge between).</summary>
    public const int TopologyMultiple = 20;

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetP2PStatus")]
    public static partial int DeviceGetP2PStatus(IntPtr device1, IntPtr device2, int capability, out int status);

    [LibraryImport(Library, EntryPoint = "nvmlDeviceGetTopologyCommonAncestor")]
    public static partial int DeviceGetTopologyCommonAncestor(IntPtr device1, IntPtr device2, out int level);

    /// <summary>Throws naming what could not be done when <paramref name="result"/> is not success.</summary>
    public static void Check(int result, string what)
    {
        if (result != Success)
        {
            throw new BackendException($"NVML could not {what}: {Describe(result)}");
        }
    }

    /// <summary>NVML's own text for a result code.</summary>
    public static string Describe(int result) => Marshal.PtrToStringUTF8(ErrorString(result)) ?? $"NVML error {result}";

    /// <summary>A device's text property (name, UUID) read into NVML's fixed buffer.</summary>
    public static unsafe string Text(IntPtr device, delegate*<IntPtr, byte*, uint, int> read, string what)
    {
        var buffer = stackalloc byte[TextBuffer];
        var result = read(device, buffer, TextBuffer);
        if (result != Success)
        {
            throw new BackendException($"NVML could not read the device {what}: {Describe(result)}");
        }

        return Marshal.PtrToStringUTF8((IntPtr)buffer) ?? string.Empty;
    }
}
