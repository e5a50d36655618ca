using Orion.Contracts;
using Orion.NodeDaemon;

namespace Orion.Tests.Cluster;

/// <summary>
/// The simulator moving memory as NVIDIA's checkpoint does: a move to host takes all of a task's memory, whatever stays
/// resident was asked (the contract allows it: "at most" that much stays).
/// </summary>
internal sealed class WholeProcessMoves(IGpuBackend inner) : DelegatingGpuBackend(inner)
{
    public override Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB = 0) => base.SwapOut(taskId, generation, 0);
}
