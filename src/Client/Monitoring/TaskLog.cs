using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>A task's log, asked of its task grain, which reads it from the node the run was on (its tenant's and admins' to read).</summary>
public static class TaskLog
{
    /// <summary>
    /// Up to <paramref name="maxBytes"/> of the log of <paramref name="status"/>'s latest run, or of its run under
    /// <paramref name="generation"/> (one of its <see cref="VGpuTaskStatus.PastRuns"/>), from <paramref name="offset"/>
    /// (negative: before its end); null for no task, a run that never started or is not known, or a node that keeps no log of it.
    /// </summary>
    public static async Task<TaskLogChunk?> ReadAsync(IGrainFactory grains, VGpuTaskStatus? status, long offset, int maxBytes, CancellationToken cancellationToken = default, long? generation = null)
    {
        return status?.NodeOfRun(generation) is null ? null
            : await grains.Grain<IVGpuTaskGrain>(status.TaskId).ReadLog(generation, offset, maxBytes).WaitAsync(cancellationToken);
    }
}
