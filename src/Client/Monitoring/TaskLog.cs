using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>A task's log, asked of the node it ran on: its status says where and under which generation.</summary>
public static class TaskLog
{
    /// <summary>
    /// Up to <paramref name="maxBytes"/> of the log of <paramref name="status"/>'s latest run, or of its run under
    /// <paramref name="generation"/> (one of its <see cref="VGpuTaskStatus.PastRuns"/>), from <paramref name="offset"/>
    /// (negative: before its end); null for no task, a run that never started or is not known, or a node that keeps no log of it.
    /// </summary>
    public static async Task<TaskLogChunk?> ReadAsync(IGrainFactory grains, VGpuTaskStatus? status, long offset, int maxBytes, CancellationToken cancellationToken = default, long? generation = null)
    {
        var node = status switch
        {
            null => null,
            { Placement: { } placed, StartedAt: not null } when generation is null || generation == status.Generation => placed.NodeId,
            _ when generation is { } asked => status.PastRuns?.LastOrDefault(r => r.Generation == asked && r.StartedAt is not null)?.NodeId,
            _ => null,
        };
        return node is null ? null
            : await grains.Grain<INodeGrain>(node).ReadLog(status!.TaskId, generation ?? status.Generation, offset, maxBytes).WaitAsync(cancellationToken);
    }
}
