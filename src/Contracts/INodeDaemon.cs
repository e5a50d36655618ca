namespace Orion.Contracts;

/// <summary>
/// The commands a node daemon takes from its NodeGrain, through an observer reference. The quick ones (start, stop,
/// pause, resume) give up after 5 s, not Orleans' 30 s: a command lost with a dying gateway silo, or sent to a daemon
/// that died, held the grain that sent it (a task's cancel, an online request waiting for its offline neighbours to
/// pause) for the whole timeout, and each caller already retries or reconciles a command that failed.
/// </summary>
[Alias("orion.INodeDaemon")]
public interface INodeDaemon : IGrainObserver
{
    /// <summary>Runs a task; a launch already running under the same generation is a no-op.</summary>
    [Alias("Start"), ResponseTimeout("00:00:05")]
    Task Start(TaskLaunch launch);

    /// <summary>Stops a task's process; true when one was stopped.</summary>
    [Alias("Stop"), ResponseTimeout("00:00:05")]
    Task<bool> Stop(string taskId, long generation);

    /// <summary>
    /// Adds a pause hold on a task: it makes no progress and keeps its memory while any hold remains.
    /// Holds are named (a card id, or "window") so several reasons can overlap; a repeated hold is a no-op.
    /// </summary>
    [Alias("Pause"), ResponseTimeout("00:00:05")]
    Task<bool> Pause(string taskId, long generation, string hold);

    /// <summary>Removes a pause hold; the task runs again when none remain.</summary>
    [Alias("Resume"), ResponseTimeout("00:00:05")]
    Task<bool> Resume(string taskId, long generation, string hold);

    /// <summary>
    /// Moves a task's device memory to host RAM until at most <paramref name="residentMiB"/> of it (per card, whole pages)
    /// stays on the device; 0 moves it all. Acked when the transfer is done. A target, not an amount, so a repeated
    /// command moves nothing more.
    /// </summary>
    [Alias("SwapOut")]
    Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB);

    /// <summary>
    /// Brings a task's memory back to the device until <paramref name="residentMiB"/> of it (per card, whole pages) is
    /// there; <see cref="long.MaxValue"/> brings it all. Acked when the transfer is done; idempotent like <see cref="SwapOut"/>.
    /// </summary>
    [Alias("SwapIn")]
    Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB);

    /// <summary>
    /// Up to <paramref name="maxBytes"/> of a task's log from <paramref name="offset"/> (negative: that many bytes before
    /// its end), for the generation that ran here; kept after the task ends. Null when this node keeps no log of it.
    /// </summary>
    [Alias("ReadLog"), ResponseTimeout("00:00:05")]
    Task<TaskLogChunk?> ReadLog(string taskId, long generation, long offset, int maxBytes);

    /// <summary>
    /// Reads a deployment's <see cref="ScaleMetric"/> of a task running here at <paramref name="generation"/>, from its
    /// metrics page on this node's loopback; a failed reading (not running here, paused, no answer, no such sample) says why.
    /// </summary>
    [Alias("ReadMetric"), ResponseTimeout("00:00:05")]
    Task<MetricReading> ReadMetric(string taskId, long generation, ScaleMetric metric);
}
