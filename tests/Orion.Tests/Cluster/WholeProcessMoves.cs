using Orion.Contracts;
using Orion.NodeDaemon;

namespace Orion.Tests.Cluster;

/// <summary>
/// The simulator moving memory as NVIDIA's checkpoint does: a move to host takes all of a task's memory, whatever stays
/// resident was asked (the contract allows it: "at most" that much stays).
/// </summary>
internal sealed class WholeProcessMoves(IGpuBackend inner) : IGpuBackend
{
    public string Name => inner.Name;

    public string SliceEnforcement => inner.SliceEnforcement;

    public IReadOnlyList<GpuDevice> Devices => inner.Devices;

    public IReadOnlyDictionary<string, long> Running => inner.Running;

    public event Action<TaskExit>? Exited
    {
        add => inner.Exited += value;
        remove => inner.Exited -= value;
    }

    public void Start(TaskLaunch launch) => inner.Start(launch);

    public bool Stop(string taskId, long generation) => inner.Stop(taskId, generation);

    public bool Pause(string taskId, long generation, string hold) => inner.Pause(taskId, generation, hold);

    public bool Resume(string taskId, long generation, string hold) => inner.Resume(taskId, generation, hold);

    public bool IsPaused(string taskId) => inner.IsPaused(taskId);

    public Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB = 0) => inner.SwapOut(taskId, generation, 0);

    public Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB = long.MaxValue) => inner.SwapIn(taskId, generation, residentMiB);

    public IReadOnlyList<CardUsage> MeasureUsage() => inner.MeasureUsage();

    public IReadOnlyDictionary<string, double> MeasureTaskActivity() => inner.MeasureTaskActivity();

    public void Dispose() => inner.Dispose();
}
