namespace Orion.NodeDaemon.Nvidia;

/// <summary>How much each process computed on given cards lately, by NVML's per-process samples.</summary>
internal static class GpuProcessActivity
{
    /// <summary>How far back the samples are read: NVML keeps about a second of them per card.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    /// <summary>The highest SM share (percent of a sample period) of each process in the last <see cref="Window"/>, over the cards with these UUIDs.</summary>
    public static unsafe IReadOnlyDictionary<int, double> On(IEnumerable<string> uuids)
    {
        using var session = NvmlSession.Open("to measure the tasks' use of their cards");
        var since = (ulong)(DateTimeOffset.UtcNow - Window).ToUnixTimeMilliseconds() * 1000;
        var busy = new Dictionary<int, double>();
        foreach (var uuid in uuids)
        {
            Nvml.Check(Nvml.DeviceGetHandleByUuid(uuid, out var device), $"find card {uuid}");

            // Asked with no room first for the count; more samples may come between the calls, so some room to spare.
            uint count = 0;
            var result = Nvml.DeviceGetProcessUtilization(device, null, ref count, since);
            if (result == Nvml.NotFound || (result == Nvml.Success && count == 0))
            {
                continue;
            }

            if (result is not Nvml.Success and not Nvml.InsufficientSize)
            {
                Nvml.Check(result, $"read the processes' use of card {uuid}");
            }

            count += 16;
            var samples = new Nvml.ProcessUtilizationSample[count];
            fixed (Nvml.ProcessUtilizationSample* buffer = samples)
            {
                result = Nvml.DeviceGetProcessUtilization(device, buffer, ref count, since);
            }

            if (result == Nvml.NotFound)
            {
                continue;
            }

            Nvml.Check(result, $"read the processes' use of card {uuid}");
            for (var i = 0; i < count; i++)
            {
                var pid = (int)samples[i].Pid;
                busy[pid] = Math.Max(busy.GetValueOrDefault(pid), samples[i].SmUtil);
            }
        }

        return busy;
    }
}
