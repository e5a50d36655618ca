namespace Orion.NodeDaemon.Nvidia;

/// <summary>Which processes hold memory on given cards, by NVML: the ones a memory move must checkpoint.</summary>
internal static class GpuProcesses
{
    /// <summary>Device memory in bytes by pid, over the cards with these UUIDs.</summary>
    public static unsafe Dictionary<int, long> On(IEnumerable<string> uuids)
    {
        using var session = NvmlSession.Open("to find the task's GPU processes");
        var used = new Dictionary<int, long>();
        foreach (var uuid in uuids)
        {
            Nvml.Check(Nvml.DeviceGetHandleByUuid(uuid, out var device), $"find card {uuid}");

            // Asked with no room first for the count; processes may come between the calls, so some room to spare.
            uint count = 0;
            var result = Nvml.DeviceGetComputeRunningProcesses(device, ref count, null);
            if (result == Nvml.Success)
            {
                continue;
            }

            if (result != Nvml.InsufficientSize)
            {
                Nvml.Check(result, $"list the processes on card {uuid}");
            }

            count += 8;
            var infos = new Nvml.ProcessInfo[count];
            fixed (Nvml.ProcessInfo* buffer = infos)
            {
                Nvml.Check(Nvml.DeviceGetComputeRunningProcesses(device, ref count, buffer), $"list the processes on card {uuid}");
            }

            for (var i = 0; i < count; i++)
            {
                used[(int)infos[i].Pid] = used.GetValueOrDefault((int)infos[i].Pid) + (long)infos[i].UsedGpuMemory;
            }
        }

        return used;
    }
}
