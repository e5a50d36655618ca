using Orion.Contracts;

namespace Orion.NodeDaemon;

/// <summary>
/// The hardware behind a daemon: discovers cards, runs tasks on them and reports their exits. Implemented by
/// the simulator and (where a GPU is present) NVIDIA; both pass one contract suite.
/// </summary>
public interface IGpuBackend : IDisposable
{
    /// <summary>The backend's name, as reported at registration.</summary>
    string Name { get; }

    /// <summary>
    /// What holds a task to its slice now: <c>model</c> (the simulator's hard caps), <c>mps</c> (an NVIDIA MPS control
    /// daemon caps threads and memory), or <c>none</c> (tasks on a card time-share it, slices are only bookkeeping).
    /// </summary>
    string SliceEnforcement { get; }

    /// <summary>The node's cards.</summary>
    IReadOnlyList<GpuDevice> Devices { get; }

    /// <summary>Raised, outside any lock, when a task's process ends by itself (not when stopped).</summary>
    event Action<TaskExit>? Exited;

    /// <summary>Runs a task. A launch already running under the same generation is a no-op; a newer one replaces an older.</summary>
    /// <exception cref="BackendException">The cards named are unknown or lack memory.</exception>
    void Start(TaskLaunch launch);

    /// <summary>Stops a task whose generation is not newer than <paramref name="generation"/>; true when one was stopped.</summary>
    bool Stop(string taskId, long generation);

    /// <summary>
    /// Adds a named pause hold on a task whose generation is not newer than <paramref name="generation"/>: while
    /// any hold remains it makes no progress and keeps its memory. True when the task is held now.
    /// </summary>
    /// <exception cref="BackendException">The task could not be stopped (a signal refused); the hold is not taken.</exception>
    bool Pause(string taskId, long generation, string hold);

    /// <summary>Removes a named pause hold; the task continues where it was when none remain. True when the task exists.</summary>
    /// <exception cref="BackendException">The task could not be continued (a signal refused); the hold stays.</exception>
    bool Resume(string taskId, long generation, string hold);

    /// <summary>True when the task runs but is paused (by the backend's books).</summary>
    bool IsPaused(string taskId);

    /// <summary>
    /// What the operating system says of the task's processes, each by pid (/proc). Null for a backend whose tasks are not
    /// processes (the simulator), and for a task that does not run.
    /// </summary>
    IReadOnlyDictionary<int, ProcessState>? ProcessStates(string taskId) => null;

    /// <summary>
    /// Moves a task's device memory to host RAM until at most <paramref name="residentMiB"/> per card (whole pages) stays
    /// on the device (0, the default: all of it); completes when the transfer is done.
    /// </summary>
    /// <exception cref="BackendException">The node's host swap budget cannot take it.</exception>
    Task<SwapResult> SwapOut(string taskId, long generation, long residentMiB = 0);

    /// <summary>
    /// Brings a task's memory back to the device until <paramref name="residentMiB"/> per card (whole pages) is there
    /// (the default: all of it); completes when the transfer is done.
    /// </summary>
    /// <exception cref="BackendException">The device has no room for it.</exception>
    Task<SwapResult> SwapIn(string taskId, long generation, long residentMiB = long.MaxValue);

    /// <summary>What each card does now, as the hardware (or the model) reports it; a card the hardware has lost is left out.</summary>
    /// <exception cref="BackendException">The backend cannot measure (no NVML on a card list given by hand).</exception>
    IReadOnlyList<CardUsage> MeasureUsage();

    /// <summary>
    /// How much each running task computed on its cards lately: percent of a card's time, the most over its cards. Tasks
    /// seen doing nothing may be missing.
    /// </summary>
    /// <exception cref="BackendException">The backend cannot measure.</exception>
    IReadOnlyDictionary<string, double> MeasureTaskActivity();

    /// <summary>
    /// The cards that are broken now (fallen off the bus, uncorrectable memory errors, a failed row remapping), read at
    /// every heartbeat; empty when all are healthy. A card stays here until the hardware reports it healthy again.
    /// </summary>
    /// <exception cref="BackendException">The backend cannot read its cards' health (no NVML).</exception>
    IReadOnlyList<CardFault> CheckHealth();

    /// <summary>Raised, outside any lock, when the backend learns by itself that a card broke or came back (its daemon then reports at once).</summary>
    event Action? HealthChanged;

    /// <summary>The tasks running now, with their generations.</summary>
    IReadOnlyDictionary<string, long> Running { get; }

    /// <summary>
    /// Up to <paramref name="maxBytes"/> of the log of a task's <paramref name="generation"/> from <paramref name="offset"/>
    /// (negative: that many bytes before its end); kept after it ends. Null when this backend keeps no log of it.
    /// </summary>
    TaskLogChunk? ReadLog(string taskId, long generation, long offset, int maxBytes);
}
