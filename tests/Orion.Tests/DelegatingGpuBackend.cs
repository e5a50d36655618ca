using Orion.Contracts;
using Orion.NodeDaemon;

namespace Orion.Tests;

/// <summary>A backend that hands every call to another: a test's stand-in overrides only what it changes.</summary>
internal abstract class DelegatingGpuBackend(IGpuBackend inner) : IGpuBackend
{
    public virtual string Name => inner.Name;

    public virtual string SliceEnforcement => inner.SliceEnforcement;

    public virtual IReadOnlyList<GpuDevice> Devices => inner.Devices;

    public virtual IReadOnlyDictionary<string, long> Running => inner.Running;

    public event Action<TaskExit>? Exited
    {
        add => inner.Exited += value;
        remove => inner.Exited -= value;
    }

    public virtual event Action? HealthChanged
    {
        add => inner.HealthChanged += value;
        remove => inner.HealthChanged -= value;
    }

    public virtual IReadOnlyList<CardFault> CheckHealth() => inner.CheckHealth();

    public virtual void Start(TaskLaunch launch) => inner.Start(launch);

    public virtual bool Stop(string taskId, long generation) => inner.Stop(taskId, generation);

    public virtual bool Pause(string taskId, long generation, string hold) => inner.Pause(taskId, generation, hold);

    public virtual bool Resume(string taskId, long generation, string hold) => inner.Resume(taskId, generation, hold);

    public virtual bool IsPaused(string taskId) => inner.IsPaused(taskId);

    public virtual IReadOnlyDictionary<int, ProcessState>? ProcessStates(string taskId) => inner.ProcessStates(taskId);

    public virtual Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB = 0) => inner.SwapOut(taskId, generation, residentMiB);

    public virtual Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB = long.MaxValue) => inner.SwapIn(taskId, generation, residentMiB);

    public virtual TaskLogChunk? ReadLog(string taskId, long generation, long offset, int maxBytes) => inner.ReadLog(taskId, generation, offset, maxBytes);

    public virtual IReadOnlyList<CardUsage> MeasureUsage() => inner.MeasureUsage();

    public virtual IReadOnlyDictionary<string, double> MeasureTaskActivity() => inner.MeasureTaskActivity();

    public virtual void Dispose() => inner.Dispose();
}
