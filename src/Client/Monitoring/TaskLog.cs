using Orion.Contracts;

namespace Orion.Client.Monitoring;

/// <summary>A task's log, asked of the node it ran on: its status says where and under which generation.</summary>
public static class TaskLog
{
    /// <summary>
    /// Up to <paramref name="maxBytes"/> of the log of <paramref name="status"/>'s latest run from <paramref name="offset"/>
    /// (negative: before its end); null for no task, one that never started, or a node that keeps no log of it.
    /// </summary>
    public static async Task<TaskLogChunk?> ReadAsync(IGrainFactory grains, VGpuTaskStatus? status, long offset, int maxBytes, CancellationToken cancellationToken = default) =>
        status is { Placement: { } placed, StartedAt: not null }
            ? await grains.Grain<INodeGrain>(placed.NodeId).ReadLog(status.TaskId, status.Generation, offset, maxBytes).WaitAsync(cancellationToken)
            : null;
}
