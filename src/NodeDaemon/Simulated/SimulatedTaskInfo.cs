namespace Orion.NodeDaemon.Simulated;

/// <summary>What the simulator knows of one running task.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Generation">Its generation.</param>
/// <param name="GpuMsDone">Reference GPU-ms of work done.</param>
/// <param name="TotalGpuMs">Work in all (infinity for services).</param>
/// <param name="Rate">Reference GPU-ms per wall ms now.</param>
/// <param name="PagesPerCard">Pages allocated on each of its cards.</param>
/// <param name="Paused">True while a pause hold is on it.</param>
/// <param name="ResidentPages">Pages on the device (per card).</param>
/// <param name="HostPages">Pages on host RAM (per card).</param>
/// <param name="TransitPages">Pages moving (per card).</param>
public sealed record SimulatedTaskInfo(
    string TaskId, long Generation, double GpuMsDone, double TotalGpuMs, double Rate, long PagesPerCard, bool Paused,
    long ResidentPages, long HostPages, long TransitPages);
